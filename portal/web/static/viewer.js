// The portal's image viewer: one series, rendered by the portal (DICOMweb
// .../rendered), drawn on a canvas. Scroll: wheel, arrow keys, swipe, slider.
// Window/level: presets or drag. Zoom: Ctrl+wheel, buttons, pinch. Pan:
// Shift+drag, middle button or two fingers. Prefetches the next images.
"use strict";
(function () {
  const root = document.getElementById("viewer");
  if (!root) return;
  const frames = JSON.parse(root.dataset.frames || "[]");
  const textImage = root.dataset.textImage || "{n} / {m}";
  const stage = document.getElementById("stage");
  const canvas = document.getElementById("image");
  const ctx = canvas.getContext("2d");
  const position = document.getElementById("position");
  const wlLabel = document.getElementById("wl");
  const slider = document.getElementById("slider");
  const presetButtons = Array.from(root.querySelectorAll("[data-preset]"));
  const started = performance.now();

  const state = { index: 0, window: null, fileWindow: null, zoom: 1, panX: 0, panY: 0 };
  const cache = new Map();      // key -> {img, window}
  const order = [];             // keys, oldest first (LRU)
  const CACHE_MAX = 80;
  const PREFETCH_AHEAD = 8, PREFETCH_BEHIND = 2, MAX_PARALLEL = 4;
  let inFlight = 0;
  const waiting = [];           // keys to fetch, most wanted first
  let current = null;           // the image on screen

  function windowParam(win) { return win ? "&window=" + Math.round(win[0]) + "," + Math.max(1, Math.round(win[1])) + ",linear" : ""; }
  function keyFor(i, win) { return i + "|" + (win ? Math.round(win[0]) + "," + Math.round(win[1]) : "file"); }
  function urlFor(i, win) {
    const box = Math.min(2048, Math.ceil(Math.max(stage.clientWidth, stage.clientHeight) * (window.devicePixelRatio || 1)));
    return frames[i] + "?viewport=" + box + "," + box + windowParam(win) + "&accept=image/jpeg";
  }

  function remember(key, entry) {
    cache.set(key, entry);
    order.push(key);
    while (order.length > CACHE_MAX) cache.delete(order.shift());
  }

  // Images come with fetch (to read the window the portal used) and are
  // decoded into ImageBitmaps, so drawing never waits for decoding.
  function fetchImage(i, win) {
    const key = keyFor(i, win);
    if (cache.has(key)) return cache.get(key).promise;
    const promise = fetch(urlFor(i, win), { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      const used = (r.headers.get("X-Window") || "").split(",").map(Number);
      return r.blob().then(function (blob) { return createImageBitmap(blob); }).then(function (bitmap) {
        return { bitmap: bitmap, window: used.length === 2 && used.every(isFinite) ? used : null };
      });
    });
    remember(key, { promise: promise });
    promise.catch(function () { cache.delete(key); });
    return promise;
  }

  function pump() {
    while (inFlight < MAX_PARALLEL && waiting.length) {
      const job = waiting.shift();
      inFlight++;
      fetchImage(job[0], job[1]).catch(function () {}).finally(function () { inFlight--; pump(); });
    }
  }

  function prefetch() {
    waiting.length = 0;
    for (let d = 1; d <= PREFETCH_AHEAD; d++) {
      if (state.index + d < frames.length) waiting.push([state.index + d, state.window]);
      if (d <= PREFETCH_BEHIND && state.index - d >= 0) waiting.push([state.index - d, state.window]);
    }
    waiting.sort(function (a, b) { return Math.abs(a[0] - state.index) - Math.abs(b[0] - state.index); });
    pump();
  }

  function resize() {
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(stage.clientWidth * dpr));
    canvas.height = Math.max(1, Math.round(stage.clientHeight * dpr));
    draw();
  }

  function draw() {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (!current) return;
    const img = current.bitmap;
    const dpr = window.devicePixelRatio || 1;
    const fit = Math.min(canvas.width / img.width, canvas.height / img.height);
    const scale = fit * state.zoom;
    const w = img.width * scale, h = img.height * scale;
    const x = (canvas.width - w) / 2 + state.panX * dpr, y = (canvas.height - h) / 2 + state.panY * dpr;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(img, x, y, w, h);
  }

  function label() {
    position.textContent = textImage.replace("{n}", String(state.index + 1)).replace("{m}", String(frames.length));
    slider.value = String(state.index + 1);
    const win = state.window || state.fileWindow;
    wlLabel.textContent = win ? "W " + Math.round(win[1]) + " / L " + Math.round(win[0]) : "";
  }

  let showing = 0;  // a counter: only the newest request may paint
  function show(i) {
    state.index = Math.max(0, Math.min(frames.length - 1, i));
    label();
    const ticket = ++showing, index = state.index, win = state.window;
    fetchImage(index, win).then(function (entry) {
      if (ticket !== showing) return;
      current = entry;
      if (!state.window && entry.window) state.fileWindow = entry.window;
      draw();
      label();
      stage.dataset.shown = String(index);
      stage.dataset.window = win ? win.join(",") : "file";
      if (!stage.dataset.firstImageMs) stage.dataset.firstImageMs = String(Math.round(performance.now() - started));
      stage.dataset.shownCount = String(Number(stage.dataset.shownCount || 0) + 1);
    }).catch(function () { /* keep the last image; the next step tries again */ });
    prefetch();
  }

  function step(d) { if (frames.length) show(state.index + d); }

  function setWindow(win, pressed) {
    state.window = win;
    presetButtons.forEach(function (b) { b.setAttribute("aria-pressed", b === pressed ? "true" : "false"); });
    show(state.index);
  }

  presetButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      const p = button.dataset.preset;
      setWindow(p === "file" ? null : p.split(",").map(Number), button);
    });
  });
  root.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      const a = button.dataset.action;
      if (a === "prev") step(-1);
      else if (a === "next") step(1);
      else if (a === "zoom-in") { state.zoom = Math.min(16, state.zoom * 1.25); draw(); }
      else if (a === "zoom-out") { state.zoom = Math.max(0.25, state.zoom / 1.25); draw(); }
      else if (a === "reset") { state.zoom = 1; state.panX = state.panY = 0; setWindow(null, presetButtons[0]); }
    });
  });
  slider.addEventListener("input", function () { show(Number(slider.value) - 1); });

  let wheelRest = 0;
  stage.addEventListener("wheel", function (e) {
    e.preventDefault();
    if (e.ctrlKey) {
      state.zoom = Math.max(0.25, Math.min(16, state.zoom * (e.deltaY < 0 ? 1.1 : 1 / 1.1)));
      draw();
      return;
    }
    // Mouse wheels send ~100 per notch, touchpads many small deltas.
    // One notch is one image; small touchpad deltas add up to one.
    wheelRest += e.deltaMode === 1 ? e.deltaY * 33 : e.deltaY;
    if (Math.abs(wheelRest) >= 50) { step(Math.sign(wheelRest)); wheelRest = 0; }
  }, { passive: false });

  stage.addEventListener("keydown", function (e) {
    const keys = { ArrowDown: 1, ArrowRight: 1, PageDown: 10, ArrowUp: -1, ArrowLeft: -1, PageUp: -10 };
    if (e.key in keys) { e.preventDefault(); step(keys[e.key]); }
    else if (e.key === "Home") { e.preventDefault(); show(0); }
    else if (e.key === "End") { e.preventDefault(); show(frames.length - 1); }
    else if (e.key === "+") { state.zoom = Math.min(16, state.zoom * 1.25); draw(); }
    else if (e.key === "-") { state.zoom = Math.max(0.25, state.zoom / 1.25); draw(); }
  });

  // Mouse: left drag = window/level, Shift+left or middle = pan.
  let drag = null, wlTimer = null;
  stage.addEventListener("pointerdown", function (e) {
    if (e.pointerType === "touch") return;
    stage.focus();
    stage.setPointerCapture(e.pointerId);
    const pan = e.button === 1 || e.shiftKey;
    drag = { x: e.clientX, y: e.clientY, pan: pan, panX: state.panX, panY: state.panY,
             win: (state.window || state.fileWindow || [128, 256]).slice() };
  });
  stage.addEventListener("pointermove", function (e) {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (drag.pan) { state.panX = drag.panX + dx; state.panY = drag.panY + dy; draw(); return; }
    const scale = Math.max(1, drag.win[1] / 256);
    state.window = [drag.win[0] + dy * scale, Math.max(1, drag.win[1] + dx * scale * 2)];
    label();
    presetButtons.forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    if (!wlTimer) wlTimer = setTimeout(function () { wlTimer = null; show(state.index); }, 60);
  });
  function endDrag() { drag = null; }
  stage.addEventListener("pointerup", endDrag);
  stage.addEventListener("pointercancel", endDrag);

  // Touch: one finger swipes through the images, two fingers pinch and pan.
  let touch = null;
  stage.addEventListener("touchstart", function (e) {
    e.preventDefault();
    const t = e.touches;
    if (t.length === 1) touch = { mode: "scroll", y: t[0].clientY };
    else if (t.length === 2) {
      touch = { mode: "pinch", dist: Math.hypot(t[0].clientX - t[1].clientX, t[0].clientY - t[1].clientY),
                cx: (t[0].clientX + t[1].clientX) / 2, cy: (t[0].clientY + t[1].clientY) / 2,
                zoom: state.zoom, panX: state.panX, panY: state.panY };
    }
  }, { passive: false });
  stage.addEventListener("touchmove", function (e) {
    e.preventDefault();
    if (!touch) return;
    const t = e.touches;
    if (touch.mode === "scroll" && t.length === 1) {
      const d = t[0].clientY - touch.y;
      if (Math.abs(d) >= 20) { step(d < 0 ? 1 : -1); touch.y = t[0].clientY; }
    } else if (touch.mode === "pinch" && t.length === 2) {
      const dist = Math.hypot(t[0].clientX - t[1].clientX, t[0].clientY - t[1].clientY);
      state.zoom = Math.max(0.25, Math.min(16, touch.zoom * dist / Math.max(1, touch.dist)));
      state.panX = touch.panX + (t[0].clientX + t[1].clientX) / 2 - touch.cx;
      state.panY = touch.panY + (t[0].clientY + t[1].clientY) / 2 - touch.cy;
      draw();
    }
  }, { passive: false });
  stage.addEventListener("touchend", function () { touch = null; });

  window.addEventListener("resize", resize);
  resize();
  stage.focus();
  if (frames.length) show(0);
})();
