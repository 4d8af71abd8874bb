"""Small models in plain PyTorch for the ``convanim model`` tests (and the benchmark):
VGG-16's geometry, ResNet-like blocks with a downsample branch, a U-Net-like encoder and
decoder with concatenations, a 1-D network and ResNet-50's shape. Channels are kept small
so the oracles (autograd, FlopCounterMode) run in milliseconds."""

from __future__ import annotations

import torch
from torch import nn


def vgg16(width: int = 4) -> nn.Sequential:
    """VGG-16's 13 convolutions and 5 pools (Simonyan and Zisserman 2015), narrow."""
    layers: list[nn.Module] = []
    cin = 3
    for v in [1, 1, "M", 2, 2, "M", 4, 4, 4, "M", 8, 8, 8, "M", 8, 8, 8, "M"]:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(cin, width * v, 3, padding=1), nn.ReLU(inplace=True)]
            cin = width * v
    return nn.Sequential(*layers)


class Basic(nn.Module):
    """ResNet's basic block: two 3x3 convolutions, the input added back (through a strided
    1x1 convolution when the size or the channels change)."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.downsample = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                         nn.BatchNorm2d(cout))
                           if stride != 1 or cin != cout else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class Bottleneck(nn.Module):
    """ResNet-50's block: 1x1, 3x3 (with the stride), 1x1 expanding by 4."""

    def __init__(self, cin: int, mid: int, stride: int) -> None:
        super().__init__()
        cout = mid * 4
        self.conv1 = nn.Conv2d(cin, mid, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, mid, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv3 = nn.Conv2d(mid, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                         nn.BatchNorm2d(cout))
                           if stride != 1 or cin != cout else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + identity)


class ResNet(nn.Module):
    """A ResNet: 7x7/2 stem, 3x3/2 max pool, four stages, global pool, linear head.
    ``ResNet(Bottleneck, (3, 4, 6, 3), 64)`` has ResNet-50's layers and 25.6 M parameters."""

    def __init__(self, block: type = Basic, depths: tuple[int, ...] = (1, 1),
                 width: int = 4, classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        stages, cin = [], width
        for n, depth in enumerate(depths):
            mid = width * 2 ** n
            blocks = []
            for b in range(depth):
                stride = 2 if n > 0 and b == 0 else 1
                blocks.append(block(cin, mid, stride))
                cin = mid * 4 if block is Bottleneck else mid
            stages.append(nn.Sequential(*blocks))
        self.layers = nn.Sequential(*stages)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layers(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet50() -> ResNet:
    """ResNet-50's shape (He et al. 2016): 25,557,032 parameters with 1000 classes."""
    return ResNet(Bottleneck, (3, 4, 6, 3), 64, 1000)


class UNet(nn.Module):
    """A two-level U-Net (Ronneberger et al. 2015): the decoder concatenates the encoder's
    features; one level upsamples by a 2x2 transposed convolution, the other by nearest."""

    def __init__(self, c: int = 4) -> None:
        super().__init__()
        self.enc1 = nn.Sequential(nn.Conv2d(1, c, 3, padding=1), nn.ReLU())
        self.pool1 = nn.MaxPool2d(2)
        self.enc2 = nn.Sequential(nn.Conv2d(c, 2 * c, 3, padding=1), nn.ReLU())
        self.pool2 = nn.MaxPool2d(2)
        self.mid = nn.Sequential(nn.Conv2d(2 * c, 2 * c, 3, padding=1), nn.ReLU())
        self.up2 = nn.Upsample(scale_factor=2, mode="nearest")
        self.dec2 = nn.Sequential(nn.Conv2d(4 * c, c, 3, padding=1), nn.ReLU())
        self.up1 = nn.ConvTranspose2d(c, c, 2, stride=2)
        self.dec1 = nn.Conv2d(2 * c, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool1(e1))
        m = self.mid(self.pool2(e2))
        d2 = self.dec2(torch.cat([self.up2(m), e2], dim=1))
        return self.dec1(torch.cat([self.up1(d2), e1], dim=1))


def net1d() -> nn.Sequential:
    """A 1-D network: strided, pooled and dilated convolutions over a sequence."""
    return nn.Sequential(nn.Conv1d(2, 4, 5, stride=2, padding=2), nn.ReLU(),
                         nn.MaxPool1d(3, 2, 1), nn.Conv1d(4, 4, 3, dilation=2, padding=2),
                         nn.BatchNorm1d(4), nn.AvgPool1d(2), nn.Conv1d(4, 6, 3, groups=2))


class Branchy(nn.Module):
    """Python control flow on a tensor's value: torch.fx cannot trace it, so the hook
    tracer runs; a grouped convolution, a functional pool and an addition."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 4, 3, padding=1)
        self.b = nn.Conv2d(4, 4, 3, padding=2, dilation=2, groups=2)
        self.c = nn.Conv2d(3, 4, 5, padding=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.b(self.a(x))
        if float(x.detach().sum()) >= 0:
            y = y + self.c(x)
        return torch.nn.functional.max_pool2d(y, 3, 2, 1)
