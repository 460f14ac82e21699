/* Emergence demos in the static book: controls over precomputed frames, no kernel.
 *
 * Each .emergence-demo holds its default frame as a plain <img> (all a reader sees with
 * JavaScript off) and a JSON list of controls and frames (written by emergence.sphinxext
 * from the notebook's stored widget state). This script builds one compact row of
 * controls, each with its value always shown, and swaps the frame when a control moves.
 * A time axis gets a play button. On a narrow screen a tap on a figure shows it at full
 * size, scrolling sideways inside its own box, so its text stays legible.
 */
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function build(demo, n) {
    var data = JSON.parse(demo.querySelector("script.emergence-demo-data").textContent);
    var img = demo.querySelector(".emergence-frame img");
    var index = data.controls.map(function (c) { return c.value; });
    var preloaded = false;

    function show() {
      var frame = data.frames[index.join(",")];
      if (!frame) { return; }
      img.src = frame[0];
      img.alt = frame[1];
      if (!preloaded) {  // the first move fetches the demo's other frames in the background
        preloaded = true;
        Object.keys(data.frames).forEach(function (k) { (new Image()).src = data.frames[k][0]; });
      }
    }

    var panel = el("div", { "class": "emergence-controls" });
    data.controls.forEach(function (c, i) {
      var id = "emergence-demo-" + n + "-" + i;
      var box = el("div", { "class": "emergence-control emergence-" + c.kind });
      var readout = el("output", { "for": id, "class": "emergence-value" }, c.options[c.value]);
      function set(value, from) {
        index[i] = value;
        readout.textContent = c.options[value];
        if (c.kind === "slider" && from !== "slider") { input.value = value; }
        if (input.setAttribute && c.kind === "slider") { input.setAttribute("aria-valuetext", c.options[value]); }
        show();
      }
      var input;
      if (c.kind === "slider") {
        box.appendChild(el("label", { "for": id }, c.label));
        input = el("input", { type: "range", id: id, min: 0, max: c.options.length - 1, step: 1,
                              value: c.value, "aria-valuetext": c.options[c.value] });
        input.addEventListener("input", function () { stop(); set(Number(input.value), "slider"); });
        if (c.play) {
          var timer = null;
          var play = el("button", { type: "button", "class": "emergence-play",
                                    "aria-label": "play " + c.label }, "\u25B6");
          var stop = function () {
            if (timer) { clearInterval(timer); timer = null; play.textContent = "\u25B6"; play.setAttribute("aria-label", "play " + c.label); }
          };
          play.addEventListener("click", function () {
            if (timer) { stop(); return; }
            if (index[i] === c.options.length - 1) { set(0); }
            play.textContent = "\u23F8";
            play.setAttribute("aria-label", "pause " + c.label);
            timer = setInterval(function () {
              if (index[i] >= c.options.length - 1) { stop(); return; }
              set(index[i] + 1);
            }, 700);
          });
          box.appendChild(play);
        } else {
          var stop = function () {};
        }
        box.appendChild(input);
        box.appendChild(readout);
      } else if (c.kind === "toggle") {
        var group = el("div", { role: "group", "aria-label": c.label });
        box.appendChild(el("span", { "class": "emergence-label" }, c.label));
        c.options.forEach(function (option, j) {
          var button = el("button", { type: "button", "aria-pressed": String(j === c.value) }, option);
          button.addEventListener("click", function () {
            group.querySelectorAll("button").forEach(function (b, k) { b.setAttribute("aria-pressed", String(k === j)); });
            set(j);
          });
          group.appendChild(button);
        });
        box.appendChild(group);
        input = group;
      } else {
        box.appendChild(el("label", { "for": id }, c.label));
        input = el("select", { id: id });
        c.options.forEach(function (option, j) {
          var opt = el("option", { value: j }, option);
          if (j === c.value) { opt.selected = true; }
          input.appendChild(opt);
        });
        input.addEventListener("change", function () { set(Number(input.value)); });
        box.appendChild(input);
      }
      panel.appendChild(box);
    });
    demo.insertBefore(panel, demo.firstChild);
    demo.classList.add("emergence-ready");
  }

  function zoomable(img) {
    img.addEventListener("click", function () {
      var box = img.closest(".emergence-frame") || img.parentElement;
      if (window.innerWidth < 700 || box.classList.contains("emergence-zoomed")) {
        box.classList.toggle("emergence-zoomed");
      }
    });
  }

  function init() {
    document.querySelectorAll(".emergence-demo").forEach(build);
    document.querySelectorAll(".emergence-frame img, figure img, .cell_output img").forEach(zoomable);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
