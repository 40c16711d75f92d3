/*
 * Chat widget for the child and youth trafficking helper (Rasa socket.io channel).
 * Any page adds it with one tag; every option is a data- attribute (docs/WIDGET.md):
 *   <script src="https://WIDGET-HOST/widget.js" data-server-url="https://RASA-HOST" defer></script>
 * It loads widget.css and vendor/socket.io.min.js from beside itself, never from a CDN.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__childSafetyChatWidget) return; // loaded twice: keep the first
  window.__childSafetyChatWidget = true;

  var base = new URL(".", script.src).href;
  var STORE = "cyw:"; // prefix of everything this widget keeps in sessionStorage
  var ESC_WINDOW_MS = 1500; // Esc twice within this time leaves the page
  // Rasa's socket.io channel sends the browser the assistant's messages and nothing else (no event
  // when a conversation is restarted), so the widget learns that the server forgot the conversation
  // from the reply that says so: utter_restart, sent for "start over" (rule of start_over) and for
  // /restart (Rasa's action_restart utters it). tests/browser checks it with the real assistant.
  var RESTARTED = "I've forgotten what we talked about";

  // Interface text by language; the assistant's answers themselves are in English.
  // Numbers are those of domain.yml.
  var STRINGS = {
    en: {
      launcher: "Chat with our assistant",
      close: "Close chat",
      exit: "Quick exit",
      exitHint: "Leave this page now (or press Esc twice)",
      // What the server keeps depends on its configuration: the assistant's greeting says it.
      privacy: "Private: we don't ask who you are. This browser tab remembers the chat only until you " +
        "close the tab or use Quick exit (or press Esc twice).",
      privacyToggle: "Privacy",
      log: "Conversation",
      you: "You:",
      bot: "Assistant:",
      input: "Your message",
      placeholder: "Type your question",
      send: "Send",
      typing: "The assistant is typing…",
      offline: "Can't reach the assistant right now. If you are in danger, call 911.",
      // The assistant's greeting (utter_greet) opens with the same sentence: see withoutIntro.
      intro: "Hi, I'm an automated assistant (a bot), not a person.",
      welcome: "Before we start: is it safe for you to talk right now?\nIf you are in immediate danger, " +
        "call 911. To talk to a person 24/7, the National Human Trafficking Hotline: call 1-888-373-7888 " +
        "or text 233733.\nIf you need to leave quickly, use Quick exit at the top of the screen or press " +
        "Esc twice.",
      safe: "Yes, it's safe",
      unsafe: "No, leave now",
    },
  };

  function attr(name, fallback) {
    var value = script.getAttribute("data-" + name);
    return value === null || value.trim() === "" ? fallback : value.trim();
  }

  function httpUrl(value, fallback) {
    try {
      var url = new URL(value, location.href);
      if (url.protocol === "https:" || url.protocol === "http:") return url.href;
    } catch (e) { /* not a URL */ }
    console.warn("chat widget: ignoring " + value + ", not an http(s) URL");
    return fallback;
  }

  var lang = attr("lang", "en");
  var config = {
    serverUrl: httpUrl(attr("server-url", new URL(script.src).origin), new URL(script.src).origin),
    socketPath: attr("socket-path", "/socket.io"),
    title: attr("title", "Chat with our assistant"),
    color: attr("color", "#1f4e8c"),
    exitColor: attr("exit-color", "#b3261e"),
    lang: lang,
    exitUrl: httpUrl(attr("exit-url", "https://www.weather.gov/"), "https://www.weather.gov/"),
    open: attr("open", "false") === "true",
    text: STRINGS[lang.split("-")[0]] || STRINGS.en,
  };
  var T = config.text;

  // ---- colours: any hex colour, with black or white text, whichever contrasts more (always >= 4.5:1) ----
  function luminance(hex) {
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex);
    if (!m) return null;
    var h = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
    var c = [0, 2, 4].map(function (i) {
      var v = parseInt(h.substr(i, 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function textOn(background) {
    var l = luminance(background);
    return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#111111" : "#ffffff";
  }
  function edgeOnWhite(c) { // outlines of choices on the white panel need 3:1 (WCAG non-text contrast)
    return 1.05 / (luminance(c) + 0.05) >= 3 ? c : "#111111";
  }
  function colour(value, fallback) {
    if (luminance(value) !== null) return value;
    console.warn("chat widget: ignoring colour " + value + ", use #rgb or #rrggbb");
    return fallback;
  }

  // ---- storage (sessionStorage: this tab only, gone when the tab closes) ----
  function load(key, fallback) {
    try {
      var value = sessionStorage.getItem(STORE + key);
      return value === null ? fallback : JSON.parse(value);
    } catch (e) { return fallback; }
  }
  function save(key, value) {
    try { sessionStorage.setItem(STORE + key, JSON.stringify(value)); } catch (e) { /* storage off: no memory */ }
  }
  function forgetEverything() {
    [window.sessionStorage, window.localStorage].forEach(function (storage) {
      try {
        for (var i = storage.length - 1; i >= 0; i--) {
          var key = storage.key(i);
          if (key && key.indexOf(STORE) === 0) storage.removeItem(key);
        }
      } catch (e) { /* storage off: nothing kept */ }
    });
  }
  function newSessionId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // ---- elements ----
  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      if (key === "text") node.textContent = props[key];
      else if (key === "className") node.className = props[key];
      else node.setAttribute(key, props[key]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  // Links in text, by kind. Only what is surely a link: http(s) URLs, web addresses on common
  // domains, US phone numbers (1-888-373-7888, 202-671-7233, (800) 422-4453), 911 and 988 on their
  // own, and "text 233733" / "text START to 88788" short codes. Everything is set as text, never HTML.
  var LINK = new RegExp([
    "(\\bhttps?:\\/\\/[^\\s<>\"']+)",
    "((?<![@\\w.-])(?:www\\.)?[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.(?:org|gov|com|net|edu)(?:\\/[^\\s<>\"']*)?)",
    "(\\b[Tt]ext\\s+(?:[A-Z]+\\s+to\\s+)?(\\d{5,6}|\\d{3}-\\d{3})(?![\\w-]))",
    "((?<![\\w.-])(?:1[-. ])?(?:\\(\\d{3}\\) ?|\\d{3}[-. ])\\d{3}[-. ]\\d{4}(?![\\w-]))",
    "((?<![\\w.\\/-])(?:911|988)(?![\\w-]))",
  ].join("|"), "g");
  var TRAILING = /[.,;:!?)\]'"]+$/;

  function linkFor(match) {
    var text = match[0];
    if (match[1] || match[2]) {
      var trimmed = text.replace(TRAILING, "");
      var href = match[1] ? trimmed : "https://" + trimmed;
      var a = el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: trimmed });
      return { text: trimmed, node: a };
    }
    if (match[3]) return { text: text, node: el("a", { href: "sms:" + match[4].replace(/\D/g, ""), text: text }) };
    var digits = text.replace(/\D/g, "");
    var tel = digits.length === 3 ? digits : "+" + (digits.length === 10 ? "1" + digits : digits);
    return { text: text, node: el("a", { href: "tel:" + tel, text: text }) };
  }

  function appendText(parent, text) {
    var last = 0, match;
    LINK.lastIndex = 0;
    while ((match = LINK.exec(text)) !== null) {
      var link = linkFor(match);
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      parent.appendChild(link.node);
      last = match.index + link.text.length;
      LINK.lastIndex = last;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // ---- the widget ----
  var transcript = load("transcript", []);
  var sessionId = load("session", null);
  var socket = null, pending = [], typingTimer = null, lastEscape = -Infinity;
  var replyStart = null; // the first bubble of the reply since the person's last message
  var welcome = null; // the first message, written by start()

  var exitButton = el("button", { type: "button", className: "cyw-exit", lang: config.lang, title: T.exitHint,
    text: T.exit });
  var launcher = el("button", { type: "button", className: "cyw-launcher", "aria-expanded": "false",
    "aria-controls": "cyw-panel", text: T.launcher });
  var closeButton = el("button", { type: "button", className: "cyw-close", "aria-label": T.close, text: "×" });
  // The privacy note is shown in full on the first screen; once the conversation starts it folds away
  // behind this button in the header, so on a phone the conversation gets the room.
  var privacyButton = el("button", { type: "button", className: "cyw-privacy-toggle", "aria-expanded": "true",
    "aria-controls": "cyw-privacy", text: T.privacyToggle });
  var privacy = el("p", { id: "cyw-privacy", className: "cyw-privacy", text: T.privacy });
  var log = el("div", { className: "cyw-log", role: "log", "aria-live": "polite", "aria-label": T.log });
  var status = el("p", { className: "cyw-status", role: "status" });
  // as many characters as the server reads of a message (MAX_CHARACTERS, bot/message_input.py)
  var input = el("input", { id: "cyw-input", className: "cyw-input", type: "text", autocomplete: "off",
    maxlength: "4000", placeholder: T.placeholder, enterkeyhint: "send" });
  var form = el("form", { className: "cyw-form" }, [
    el("label", { for: "cyw-input", className: "cyw-sr-only", text: T.input }),
    input,
    el("button", { type: "submit", className: "cyw-send", text: T.send }),
  ]);
  var panel = el("section", { id: "cyw-panel", className: "cyw-panel", "aria-labelledby": "cyw-title", hidden: "" }, [
    el("header", { className: "cyw-header" }, [
      el("h2", { id: "cyw-title", text: config.title }), privacyButton, closeButton]),
    privacy, log, status, form,
  ]);
  var root = el("div", { className: "cyw-root", lang: config.lang }, [launcher, panel]);

  // A message's buttons work only until the person writes or picks something after it; then they are
  // disabled, which also takes them out of the Tab order. A late click would answer a question the
  // assistant is no longer asking. A way out ("No, leave now") always works, like Quick exit.
  function addMessage(entry, live) {
    var bubble = el("div", { className: "cyw-msg cyw-" + entry.from });
    bubble.appendChild(el("span", { className: "cyw-sr-only", text: entry.from === "user" ? T.you : T.bot }));
    var body = el("p", { className: "cyw-text" });
    appendText(body, entry.text);
    bubble.appendChild(body);
    if (entry.buttons && entry.buttons.length) {
      var group = el("div", { className: "cyw-buttons" });
      entry.buttons.forEach(function (button) {
        var b = el("button", { type: "button", className: button.exit ? "cyw-choice cyw-leave" : "cyw-choice",
          text: button.title });
        b.disabled = !live && !button.exit;
        b.addEventListener("click", function () {
          if (button.exit) quickExit();
          else send(button.payload, button.title);
        });
        group.appendChild(b);
      });
      bubble.appendChild(group);
    }
    log.appendChild(bubble);
    if (entry.from === "user") replyStart = null;
    else if (!replyStart) replyStart = bubble;
  }

  // A reply is read from its start: the view follows the reply down only as long as its first bubble
  // stays in sight, so a long answer, or a quiz's "Right" before the next question, is not scrolled past.
  function follow() {
    var bottom = log.scrollHeight - log.clientHeight;
    if (!replyStart) { log.scrollTop = bottom; return; }
    var offset = replyStart.getBoundingClientRect().top - log.getBoundingClientRect().top;
    log.scrollTop = Math.min(bottom, log.scrollTop + offset - 8); // 8px: a little air above the reply
  }

  // The whole view: the welcome, then the conversation this tab remembers.
  function render() {
    var entries = [welcome].concat(transcript), lastUser = -1;
    entries.forEach(function (entry, i) { if (entry.from === "user") lastUser = i; });
    log.textContent = "";
    replyStart = null;
    entries.forEach(function (entry, i) { addMessage(entry, i > lastUser); });
    follow();
  }

  function remember(entry) {
    transcript.push(entry);
    save("transcript", transcript);
    if (entry.from === "user") {
      log.querySelectorAll(".cyw-choice:not(.cyw-leave)").forEach(function (b) { b.disabled = true; });
    }
    addMessage(entry, true);
    follow();
  }

  // The welcome, always at the top of the view, has said the assistant is a bot; the greeting that
  // "Yes, it's safe" asks for (utter_greet) opens with the same sentence, and would read as a second
  // introduction.
  function withoutIntro(text) {
    return text.indexOf(T.intro) === 0 ? text.slice(T.intro.length).trim() : text;
  }

  function setPrivacy(open) {
    privacy.hidden = !open;
    privacyButton.setAttribute("aria-expanded", String(open));
  }

  function setStatus(text) { status.textContent = text; }

  function connect() {
    if (socket || typeof window.io !== "function") return;
    if (!sessionId) { sessionId = newSessionId(); save("session", sessionId); }
    // WebSocket first (no CORS needed), long-polling when a proxy blocks WebSockets.
    // The origin only: a path in the URL would be taken for a socket.io namespace (use data-socket-path).
    socket = window.io(new URL(config.serverUrl).origin, { path: config.socketPath,
      transports: ["websocket", "polling"], tryAllTransports: true });
    socket.on("connect", function () { // also after a reconnection: join the session again, then send
      setStatus("");
      socket.emit("session_request", { session_id: sessionId });
      flush();
    });
    // The server assigns another id when this one is held by another socket (another tab, or this
    // socket before a reconnection it has not noticed yet): this conversation goes on under it.
    socket.on("session_confirm", function (id) {
      if (typeof id === "string" && id !== sessionId) { sessionId = id; save("session", id); }
    });
    socket.on("connect_error", function () { setStatus(T.offline); });
    socket.on("bot_uttered", function (message) {
      clearTimeout(typingTimer);
      setStatus("");
      var buttons = (message.quick_replies || message.buttons || []).map(function (b) {
        return { title: String(b.title), payload: String(b.payload) };
      });
      var text = withoutIntro(String(message.text || ""));
      if (text.indexOf(RESTARTED) !== -1) { transcript = []; render(); } // the server forgot: so does the view
      if (text || buttons.length) remember({ from: "bot", text: text, buttons: buttons });
    });
  }

  // Messages wait here until the socket is connected and has asked for its session.
  function flush() {
    if (!socket || !socket.connected) return;
    pending.splice(0).forEach(function (text) {
      socket.emit("user_uttered", { message: text, session_id: sessionId });
    });
  }

  function send(text, shown) {
    text = text.trim();
    if (!text) return;
    setPrivacy(false); // past the first screen: the note stays one tap away, in the header
    remember({ from: "user", text: shown || text });
    pending.push(text);
    connect();
    flush();
    setStatus(T.typing);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { setStatus(""); }, 20000);
    input.focus();
  }

  function setOpen(open) {
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    save("open", open);
    if (open) { connect(); follow(); }
  }

  function quickExit() {
    forgetEverything();
    if (socket) socket.disconnect();
    log.textContent = "";
    transcript = [];
    location.replace(config.exitUrl); // replaces this page in the history: Back does not return here
  }

  exitButton.addEventListener("click", quickExit);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    if (event.timeStamp - lastEscape < ESC_WINDOW_MS) quickExit();
    lastEscape = event.timeStamp;
  }, true);
  launcher.addEventListener("click", function () { setOpen(true); input.focus(); });
  closeButton.addEventListener("click", function () { setOpen(false); launcher.focus(); });
  privacyButton.addEventListener("click", function () { setPrivacy(privacy.hidden); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
  });

  function start() {
    var accent = colour(config.color, "#1f4e8c"), exitBg = colour(config.exitColor, "#b3261e");
    root.style.setProperty("--cyw-accent", accent);
    root.style.setProperty("--cyw-on-accent", textOn(accent));
    root.style.setProperty("--cyw-edge", edgeOnWhite(accent));
    exitButton.style.setProperty("--cyw-exit", exitBg);
    exitButton.style.setProperty("--cyw-on-exit", textOn(exitBg));
    // The welcome is written here, not by the server, so it shows at once even when the server is slow.
    welcome = { from: "bot", text: T.intro + " " + T.welcome, buttons: [
      { title: T.safe, payload: "/greet" }, { title: T.unsafe, exit: true }] };
    setPrivacy(!transcript.some(function (entry) { return entry.from === "user"; }));
    document.body.insertBefore(exitButton, document.body.firstChild); // first in the tab order
    document.body.appendChild(root);
    setOpen(load("open", config.open));
    render();
  }

  function loadSocketClient(then) {
    if (typeof window.io === "function") return then(); // the page already has a socket.io 4 client
    var tag = el("script", { src: base + "vendor/socket.io.min.js" });
    tag.addEventListener("load", then);
    tag.addEventListener("error", function () { setStatus(T.offline); });
    document.head.appendChild(tag);
  }

  var stylesheet = el("link", { rel: "stylesheet", href: base + "widget.css" });
  stylesheet.addEventListener("load", follow); // the view has its size only now
  document.head.appendChild(stylesheet);
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
  loadSocketClient(function () { if (!panel.hidden) connect(); });
})();
