// bosun's terminal page: xterm.js in the page, bytes over a WebSocket to
// /api/v1/containers/{id}/terminal. Binary frames carry the terminal's bytes both ways; text
// frames are JSON ({"type":"resize"} from here; "ready", "error", "closed" from bosun).
// Loaded by the terminal page only, so the wasm bundle of every other page stays as it is.
// The page may arrive in streamed pieces (and its script tags with them), so this loads
// xterm.js itself, in order, and starts once the page's terminal elements are in place.
(function () {
  "use strict";

  function load(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.async = false;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  function whenPresent(id) {
    return new Promise(function (resolve) {
      var found = document.getElementById(id);
      if (found) { resolve(found); return; }
      var watch = new MutationObserver(function () {
        var el = document.getElementById(id);
        if (el) { watch.disconnect(); resolve(el); }
      });
      watch.observe(document.documentElement, { childList: true, subtree: true });
    });
  }

  function start() {
    var form = document.getElementById("terminal-form");
    var box = document.getElementById("terminal");
    var status = document.getElementById("terminal-status");
    var stop = document.getElementById("terminal-disconnect");
    if (!form || !box || !status || !stop || box.dataset.ready === "true") {
      return;
    }
    var socket = null;
    var term = null;
    var fit = null;
    var encoder = new TextEncoder();

    function say(text, kind) {
      status.textContent = text;
      status.dataset.kind = kind || "info";
    }

    function connected(on) {
      box.dataset.state = on ? "open" : "closed";
      form.querySelector("button[type=submit]").disabled = on;
      stop.disabled = !on;
    }

    function send(data) {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(data);
      }
    }

    function sized() {
      box.dataset.cols = String(term.cols);
      box.dataset.rows = String(term.rows);
    }

    function make() {
      term = new window.Terminal({ cursorBlink: true, scrollback: 5000, fontSize: 14 });
      fit = new window.FitAddon.FitAddon();
      term.loadAddon(fit);
      term.open(box);
      term.onData(function (data) { send(encoder.encode(data)); });
      term.onBinary(function (data) {
        var bytes = new Uint8Array(data.length);
        for (var i = 0; i < data.length; i++) { bytes[i] = data.charCodeAt(i) & 255; }
        send(bytes);
      });
      term.onResize(function (size) {
        sized();
        send(JSON.stringify({ type: "resize", cols: size.cols, rows: size.rows }));
      });
      window.addEventListener("resize", function () { fit.fit(); });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (socket) { return; }
      if (!term) { make(); }
      term.reset();
      fit.fit();
      sized();
      var params = new URLSearchParams({ cols: String(term.cols), rows: String(term.rows) });
      var cmd = form.elements.namedItem("cmd").value.trim();
      var user = form.elements.namedItem("user").value.trim();
      if (cmd) { params.set("cmd", cmd); }
      if (user) { params.set("user", user); }
      var scheme = location.protocol === "https:" ? "wss:" : "ws:";
      var url = scheme + "//" + location.host + "/api/v1/containers/" +
        encodeURIComponent(box.dataset.container) + "/terminal?" + params.toString();
      say("Connecting…");
      var closedReason = "";
      socket = new WebSocket(url);
      socket.binaryType = "arraybuffer";
      connected(true);
      socket.onmessage = function (message) {
        if (typeof message.data !== "string") {
          term.write(new Uint8Array(message.data));
          return;
        }
        var msg = {};
        try { msg = JSON.parse(message.data); } catch (e) { return; }
        if (msg.type === "ready") {
          say("Connected to " + msg.container + ": " + msg.command + " as " + msg.user + ".", "ok");
          term.focus();
        } else if (msg.type === "error") {
          say(msg.message, "error");
          closedReason = msg.message;
        } else if (msg.type === "closed") {
          closedReason = "Closed: " + msg.reason + ".";
        }
      };
      socket.onclose = function (event) {
        socket = null;
        connected(false);
        if (closedReason) {
          say(closedReason, event.code === 1000 ? "info" : "error");
        } else if (event.code === 1006) {
          say("bosun refused the terminal or the connection broke. Reload the page: if you were signed out, sign in again; the audit log says why a terminal was refused.", "error");
        } else {
          say("Closed (" + event.code + (event.reason ? ": " + event.reason : "") + ").", "info");
        }
      };
    });

    stop.addEventListener("click", function () {
      if (socket) { socket.close(1000, "closed by the user"); }
    });
    // Leaving the page inside the app (no unload) closes the terminal too.
    var gone = setInterval(function () {
      if (!document.contains(box)) {
        clearInterval(gone);
        if (socket) { socket.close(1000, "left the page"); }
      }
    }, 1000);
    connected(false);
    box.dataset.ready = "true";
  }

  load("/pkg/xterm/xterm.js")
    .then(function () { return load("/pkg/xterm/addon-fit.js"); })
    .then(function () { return whenPresent("terminal"); })
    .then(start)
    .catch(function (e) {
      var status = document.getElementById("terminal-status");
      if (status) { status.textContent = "The terminal could not start: " + e.message + ". Reload the page."; }
    });
})();
