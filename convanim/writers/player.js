(function () {
  "use strict";
  // Frames are rectangles of palette indices drawn over the previous frame (unchanged pixels are
  // transparent), so a frame is rebuilt from the nearest snapshot before it; a snapshot is kept
  // every SNAP frames.
  var SNAP = 16;

  function cellKey(a, b) { return a + "," + b; }
  // A key of n numbers from a flat list (a channel stack's cells carry their channel too).
  function keyAt(flat, at, n) { return flat.slice(at, at + n).join(","); }

  function setup(root) {
    if (root.hasAttribute("data-cvp-ready")) { return; }
    root.setAttribute("data-cvp-ready", "");
    var data = JSON.parse(root.querySelector(".cvp-data").textContent);
    var meta = data.meta || {};
    var frames = data.frames, count = frames.length;
    var canvas = root.querySelector(".cvp-canvas");
    var ctx = canvas.getContext("2d", {willReadFrequently: true});
    var q = function (sel) { return root.querySelector(sel); };
    var playBtn = q(".cvp-play"), slider = q(".cvp-slider"), caption = q(".cvp-caption");
    var counter = q(".cvp-count"), speed = q(".cvp-speed"), loopBox = q(".cvp-loop");
    var layer = q(".cvp-cells");
    var images = [], snaps = {}, shown = -1, want = 0, timer = null, playing = false;
    var hovered = null, ready = false;
    if (!root.hasAttribute("tabindex")) { root.setAttribute("tabindex", "0"); }

    var width = data.width, height = data.height, clear = data.transparent;
    var colors = bytes(data.colors), pixels = new Uint8ClampedArray(width * height * 4);
    var image = new ImageData(pixels, width, height);

    function bytes(b64) {
      var bin = atob(b64), out = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
      return out;
    }

    function inflate(b64) {
      var stream = new Blob([bytes(b64)]).stream().pipeThrough(new DecompressionStream("deflate"));
      return new Response(stream).arrayBuffer().then(function (buf) {
        return new Uint8Array(buf);
      });
    }

    function drawRect(i) {
      var f = frames[i], idx = images[i], n = 0;
      for (var y = 0; y < f.h; y++) {
        var o = ((f.y + y) * width + f.x) * 4;
        for (var x = 0; x < f.w; x++, n++, o += 4) {
          var v = idx[n];
          if (v === clear) { continue; }
          pixels[o] = colors[3 * v];
          pixels[o + 1] = colors[3 * v + 1];
          pixels[o + 2] = colors[3 * v + 2];
          pixels[o + 3] = 255;
        }
      }
    }

    function paint(n) {
      var start = -1;
      if (shown >= 0 && shown <= n) { start = shown; }
      for (var s = n - (n % SNAP); s >= 0; s -= SNAP) {
        if (snaps[s] && s > start) { pixels.set(snaps[s]); start = s; break; }
      }
      for (var i = start + 1; i <= n; i++) {
        drawRect(i);
        if (i % SNAP === 0 && !snaps[i]) { snaps[i] = pixels.slice(); }
      }
      shown = n;
      ctx.putImageData(image, 0, 0);
    }

    function show(n) {
      if (count === 0) { return; }
      n = Math.max(0, Math.min(count - 1, n));
      want = n;
      root.setAttribute("data-frame", String(n));
      slider.value = String(n);
      counter.textContent = (n + 1) + " / " + count;
      var captions = meta.captions || [];
      caption.textContent = captions[n] || "";
      if (ready) { paint(n); }
      syncCells();
    }

    function schedule() {
      clearTimeout(timer);
      if (!playing) { return; }
      var ms = frames[want].ms / (parseFloat(speed.value) || 1);
      timer = setTimeout(function () {
        if (want + 1 < count) { show(want + 1); }
        else if (loopBox.checked) { show(0); }
        else { pause(); return; }
        schedule();
      }, ms);
    }

    function play() {
      if (count < 2) { return; }
      if (want === count - 1 && !loopBox.checked) { show(0); }
      playing = true;
      root.setAttribute("data-playing", "");
      playBtn.innerHTML = "&#10074;&#10074;";
      playBtn.setAttribute("aria-label", "pause");
      schedule();
    }

    function pause() {
      playing = false;
      clearTimeout(timer);
      root.removeAttribute("data-playing");
      playBtn.innerHTML = "&#9654;";
      playBtn.setAttribute("aria-label", "play");
    }

    function toggle() { if (playing) { pause(); } else { play(); } }
    function step(d) { pause(); show(want + d); }

    // -- hover: the plan's links between output cells, input cells and kernel taps ----------
    var outCells = {}, inCells = {}, tapCells = {};
    var outLinks = {}, inLinks = {};
    var links = meta.links || [], dims = meta.key_dims || [2, 2, 2];
    var stride = dims[0] + dims[1] + dims[2];
    for (var i = 0; i + stride - 1 < links.length; i += stride) {
      var o = keyAt(links, i, dims[0]), inp = keyAt(links, i + dims[0], dims[1]);
      var t = keyAt(links, i + dims[0] + dims[1], dims[2]);
      (outLinks[o] = outLinks[o] || {inputs: {}, taps: {}}).inputs[inp] = true;
      outLinks[o].taps[t] = true;
      (inLinks[inp] = inLinks[inp] || {})[o] = true;
    }

    function place(el, box, r, c) {
      if (box.length === 8) {
        // A tilted plane (perspective style): [ox, oy, ux, uy, vx, vy, rows, cols]; the
        // cell is the parallelogram origin + col*u + row*v, clipped out of its bounding box.
        var xs = [], ys = [];
        [[r, c], [r, c + 1], [r + 1, c + 1], [r + 1, c]].forEach(function (p) {
          xs.push(box[0] + p[1] * box[2] + p[0] * box[4]);
          ys.push(box[1] + p[1] * box[3] + p[0] * box[5]);
        });
        var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
        var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
        el.style.left = (100 * x0 / data.width) + "%";
        el.style.top = (100 * y0 / data.height) + "%";
        el.style.width = (100 * (x1 - x0) / data.width) + "%";
        el.style.height = (100 * (y1 - y0) / data.height) + "%";
        el.style.clipPath = "polygon(" + xs.map(function (x, k) {
          return (100 * (x - x0) / (x1 - x0)) + "% " + (100 * (ys[k] - y0) / (y1 - y0)) + "%";
        }).join(",") + ")";
        return;
      }
      // box: [x, y, rows, cols, px, gap] in image pixels; positions in % so the player scales.
      var lo = Math.floor(box[5] / 2), size = box[4] - box[5];
      el.style.left = (100 * (box[0] + c * box[4] + lo) / data.width) + "%";
      el.style.top = (100 * (box[1] + r * box[4] + lo) / data.height) + "%";
      el.style.width = (100 * size / data.width) + "%";
      el.style.height = (100 * size / data.height) + "%";
    }

    function addCell(panel, key, label, box, r, c, focusable) {
      var el = document.createElement("div");
      el.className = "cvp-cell";
      el.setAttribute("data-panel", panel);
      el.setAttribute("data-cell", key);
      el.setAttribute("aria-label", label);
      if (focusable) { el.setAttribute("tabindex", "0"); }
      place(el, box, r, c);
      el.addEventListener("mouseenter", function () { hover(el); });
      el.addEventListener("mouseleave", function () { hover(null); });
      el.addEventListener("focus", function () { hover(el); });
      el.addEventListener("blur", function () { hover(null); });
      layer.appendChild(el);
      return el;
    }

    var panels = meta.panels || {};
    // Listed cells: key numbers, then the cell's row and column in its panel.
    function addListed(flat, n, panel, box, what, store, focusable) {
      for (var j = 0; j + n + 1 < flat.length; j += n + 2) {
        var key = keyAt(flat, j, n);
        store[key] = addCell(panel, key, what + " " + key, box, flat[j + n], flat[j + n + 1],
                             focusable);
      }
    }
    if (panels.target && meta.outputs) {
      // A volume names its key's axes ((d, h, w), with channels (c, d, h, w)).
      addListed(meta.outputs, dims[0], "output", panels.target,
                "output cell " + (meta.cell_words || (dims[0] > 2 ? "(map, row, col)"
                                                                   : "(row, col)")),
                outCells, true);
    } else if (panels.target && meta.output_shape) {
      var off = meta.target_offset || [0, 0];
      for (var r = 0; r < meta.output_shape[0]; r++) {
        for (var c = 0; c < meta.output_shape[1]; c++) {
          var k = cellKey(r, c);
          outCells[k] = addCell("output", k, "output cell " + k, panels.target,
                                r + off[0], c + off[1], true);
        }
      }
    }
    if (panels.kernel && meta.taps) {
      addListed(meta.taps, dims[2], "kernel", panels.kernel, "weight", tapCells, false);
    } else if (panels.kernel && meta.kernel_shape) {
      for (var a = 0; a < meta.kernel_shape[0]; a++) {
        for (var b = 0; b < meta.kernel_shape[1]; b++) {
          tapCells[cellKey(a, b)] = addCell("kernel", cellKey(a, b), "kernel tap " +
                                            cellKey(a, b), panels.kernel, a, b, false);
        }
      }
    }
    var inputs = meta.inputs || {};
    Object.keys(inputs).forEach(function (grid) {
      var flat = inputs[grid];
      inCells[grid] = {};
      var n = dims[1];
      for (var j = 0; j + n + 1 < flat.length; j += n + 2) {
        var key = keyAt(flat, j, n);
        var what = meta.cell_words ? "input cell " + meta.cell_words + " "
                   : (n > 2 ? "input cell (channel, row, col) " : "input cell ");
        var el = addCell("input", key, what + key, panels.grid,
                         flat[j + n], flat[j + n + 1], true);
        el.setAttribute("data-grid", grid);
        (inCells[grid][key] = inCells[grid][key] || []).push(el);
      }
    });

    function currentGrid() { return (meta.grids || [])[want]; }

    function syncCells() {
      var grid = currentGrid();
      Object.keys(inCells).forEach(function (g) {
        Object.keys(inCells[g]).forEach(function (key) {
          inCells[g][key].forEach(function (el) { el.hidden = g !== grid; });
        });
      });
      if (hovered) { hover(hovered); }
    }

    function hover(el) {
      var lit = layer.querySelectorAll(".cvp-hl, .cvp-on");
      for (var n = 0; n < lit.length; n++) { lit[n].classList.remove("cvp-hl", "cvp-on"); }
      hovered = el;
      if (!el || el.hidden) { return; }
      el.classList.add("cvp-on");
      var key = el.getAttribute("data-cell"), panel = el.getAttribute("data-panel");
      var grid = inCells[currentGrid()] || {};
      if (panel === "output" && outLinks[key]) {
        Object.keys(outLinks[key].inputs).forEach(function (ik) {
          (grid[ik] || []).forEach(function (c) { c.classList.add("cvp-hl"); });
        });
        Object.keys(outLinks[key].taps).forEach(function (tk) {
          if (tapCells[tk]) { tapCells[tk].classList.add("cvp-hl"); }
        });
      } else if (panel === "input" && inLinks[key]) {
        Object.keys(inLinks[key]).forEach(function (ok) {
          if (outCells[ok]) { outCells[ok].classList.add("cvp-hl"); }
        });
      }
    }

    // -- controls ---------------------------------------------------------------------------
    playBtn.addEventListener("click", toggle);
    q(".cvp-prev").addEventListener("click", function () { step(-1); });
    q(".cvp-next").addEventListener("click", function () { step(1); });
    slider.addEventListener("input", function () { pause(); show(parseInt(slider.value, 10)); });
    speed.addEventListener("change", schedule);
    root.addEventListener("keydown", function (e) {
      if (e.target === speed && e.key !== " ") { return; }
      if (e.key === " " || e.key === "Spacebar") { toggle(); }
      else if (e.key === "ArrowRight") { step(1); }
      else if (e.key === "ArrowLeft") { step(-1); }
      else if (e.key === "Home") { pause(); show(0); }
      else if (e.key === "End") { pause(); show(count - 1); }
      else { return; }
      e.preventDefault();
      e.stopPropagation();
    });
    // A focused button or checkbox would also act on the Space key's release.
    root.addEventListener("keyup", function (e) { if (e.key === " ") { e.preventDefault(); } });
    root.convanimPlayer = {play: play, pause: pause, show: show, step: step};

    // In a frame of its own (a gallery page), tell the page how tall the player is and how
    // wide its figure is drawn (CSS pixels), so the page can give a wide figure more room.
    function tellHeight() {
      if (window.parent === window || document.querySelectorAll("[data-convanim-player]")
          .length !== 1) { return; }
      var h = Math.ceil(document.documentElement.getBoundingClientRect().height);
      window.parent.postMessage({convanim: "size", height: h,
                                 width: width / (meta.scale || 1)}, "*");
    }
    window.addEventListener("resize", tellHeight);
    if (window.ResizeObserver) { new ResizeObserver(tellHeight).observe(root); }

    // Inflate one frame after the other: the page stays responsive and memory grows evenly.
    frames.reduce(function (prev, f) {
      return prev.then(function () {
        return inflate(f.d).then(function (idx) { images.push(idx); });
      });
    }, Promise.resolve()).then(function () {
      ready = true;
      paint(want);
      root.setAttribute("data-ready", "");
      tellHeight();
      var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");
      if (root.getAttribute("data-autoplay") !== "false" && !(still && still.matches)) {
        play();
      }
    });
    show(0);
  }

  var all = document.querySelectorAll("[data-convanim-player]");
  for (var p = 0; p < all.length; p++) { setup(all[p]); }
  // Keys pressed with nothing focused go to the player when the page has just one.
  if (!window.convanimKeys) {
    window.convanimKeys = true;
    document.addEventListener("keydown", function (e) {
      var players = document.querySelectorAll("[data-convanim-player]");
      var t = e.target;
      if (players.length === 1 && (t === document.body || t === document.documentElement)) {
        players[0].dispatchEvent(new KeyboardEvent("keydown", {key: e.key, bubbles: false}));
        if ([" ", "ArrowRight", "ArrowLeft", "Home", "End"].indexOf(e.key) >= 0) {
          e.preventDefault();
        }
      }
    });
  }
})();
