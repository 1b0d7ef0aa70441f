/*
 * PolicyBot widget: a chat bubble and panel that answers questions about the
 * district's enterprise-support policies, with a citation for every answer.
 *
 * Embed with:
 *   <script src="https://HOST/widget.js" data-title="…" async></script>
 *
 * The widget lives in a Shadow DOM so the host page's CSS cannot break it and
 * its CSS cannot leak out. Every request goes to the server the script came
 * from (derived from document.currentScript.src), never to a third party.
 *
 * Security: answers, quotes, titles and notices are untrusted text. They are
 * only ever written with textContent (never innerHTML), and citation links
 * are limited to http(s) URLs.
 *
 * Optional extras for the host page:
 *   <button data-policybot-ask="问题">…</button>  opens the panel and asks
 *   window.PolicyBot.open() / .close() / .ask(question)
 */
(function () {
  'use strict';

  // document.currentScript is only set while the script first runs (also for
  // async scripts), so it must be read here, before anything is deferred.
  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (window.PolicyBot && window.PolicyBot.version) {
    return; // the snippet was pasted twice
  }

  var BASE = scriptBase(script);
  var TITLE = (script && script.getAttribute('data-title')) || '吴中区惠企政策助手';
  var STORE_KEY = 'policybot:conversation';
  var MAX_CHARS = 1000;
  var MAX_STORED = 60; // messages kept in sessionStorage
  // The typing dots show at least this long, and the text then appears at
  // a reading pace: an offline answer arrives all at once, and without this
  // it would flash in with no sign that anything was being worked on.
  var MIN_TYPING_MS = 450;
  var REVEAL_STEP_MS = 30;
  // What a message keeps in sessionStorage (the rest is drawing state).
  var STORED_KEYS = ['role', 'text', 'citations', 'notice', 'refused', 'messageId', 'rating', 'error',
    'mode', 'choices', 'routeTo'];
  var HEDGE_LABEL = '可能相关的条款（未必完全对应您的问题）';
  var SUGGESTIONS = [
    '首次被认定为国家级专精特新小巨人企业奖励多少？',
    '智改数转项目怎么补助？',
    '企业参加境外展会有补贴吗？'
  ];

  var state = load();
  var busy = false;
  var ui = null;

  function scriptBase(s) {
    try {
      if (s && s.src) {
        return new URL('.', s.src).href; // keeps a path prefix such as /policybot/
      }
    } catch (e) { /* fall through */ }
    return location.origin + '/';
  }

  function endpoint(path) {
    return new URL(path, BASE).href;
  }

  // ---- sessionStorage ----------------------------------------------------

  function load() {
    var empty = { v: 1, conversationId: '', open: false, messages: [] };
    try {
      var raw = window.sessionStorage.getItem(STORE_KEY);
      if (!raw) return empty;
      var s = JSON.parse(raw);
      if (!s || s.v !== 1 || !Array.isArray(s.messages)) return empty;
      return {
        v: 1,
        conversationId: typeof s.conversationId === 'string' ? s.conversationId : '',
        // The panel reopens on a reload of the same page, not on every page
        // of the site (it would cover a policy page a citation led to).
        open: !!s.open && s.openPath === location.pathname,
        messages: s.messages.filter(function (m) {
          return m && (m.role === 'user' || m.role === 'bot') && typeof m.text === 'string';
        })
      };
    } catch (e) {
      return empty; // storage disabled or corrupt: start afresh
    }
  }

  function save() {
    try {
      var msgs = state.messages.filter(function (m) { return !m.pending; });
      window.sessionStorage.setItem(STORE_KEY, JSON.stringify({
        v: 1,
        conversationId: state.conversationId,
        open: state.open,
        openPath: location.pathname,
        messages: msgs.slice(-MAX_STORED).map(function (m) {
          var o = {};
          STORED_KEYS.forEach(function (k) {
            if (Object.prototype.hasOwnProperty.call(m, k)) o[k] = m[k];
          });
          return o;
        })
      }));
    } catch (e) { /* quota or disabled storage: the widget still works */ }
  }

  // ---- DOM helpers (text only; no innerHTML anywhere) --------------------

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text != null) n.textContent = text;
    return n;
  }

  function attrs(n, a) {
    for (var k in a) {
      if (Object.prototype.hasOwnProperty.call(a, k)) n.setAttribute(k, a[k]);
    }
    return n;
  }

  var SVGNS = 'http://www.w3.org/2000/svg';
  var ICONS = {
    chat: 'M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.4A.5.5 0 0 1 5 19v-3h.5A2.5 2.5 0 0 1 4 13.5z M8 8.5h8 M8 11.5h5',
    close: 'M6 6l12 12 M18 6L6 18',
    down: 'M6 9l6 6 6-6',
    up: 'M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3',
    thumbdown: 'M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17',
    send: 'M4 12l16-8-6 16-2.5-6.5z M11.5 13.5L20 4',
    reset: 'M4 12a8 8 0 1 0 2.4-5.7 M4 4v4.5h4.5',
    link: 'M14 4h6v6 M20 4l-9 9 M18 14v4.5a1.5 1.5 0 0 1-1.5 1.5h-11A1.5 1.5 0 0 1 4 18.5v-11A1.5 1.5 0 0 1 5.5 6H10',
    info: 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18 M12 11v5.5 M12 7.5v.5'
  };

  function icon(name) {
    var svg = document.createElementNS(SVGNS, 'svg');
    attrs(svg, {
      viewBox: '0 0 24 24', width: '20', height: '20', fill: 'none', stroke: 'currentColor',
      'stroke-width': '1.8', 'stroke-linecap': 'round', 'stroke-linejoin': 'round',
      'aria-hidden': 'true', focusable: 'false', 'class': 'pb-icon pb-icon-' + name
    });
    var p = document.createElementNS(SVGNS, 'path');
    p.setAttribute('d', ICONS[name]);
    svg.appendChild(p);
    return svg;
  }

  function safeURL(u) {
    try {
      var url = new URL(String(u), BASE);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
    } catch (e) { /* not a URL */ }
    return '';
  }

  // ---- building the widget -----------------------------------------------

  function build() {
    var host = document.createElement('policybot-widget');
    host.setAttribute('data-policybot', '');
    // An inline !important reset beats any host-page rule that matches the element.
    host.setAttribute('style', 'all: initial !important;');
    var root = host.attachShadow({ mode: 'open' });

    var link = attrs(el('link'), { rel: 'stylesheet', href: endpoint('widget.css') });
    var wrap = el('div', 'pb-root');
    wrap.hidden = true; // shown when the stylesheet has loaded, so nothing flashes unstyled
    link.addEventListener('load', function () { wrap.hidden = false; });
    link.addEventListener('error', function () { wrap.hidden = false; });
    root.appendChild(link);
    root.appendChild(wrap);

    // Closed, the button's name is its visible label (speech input users
    // say what they see); open, the label is hidden and aria-label names it.
    var bubble = attrs(el('button', 'pb-bubble'), {
      type: 'button', 'aria-expanded': 'false', 'aria-controls': 'pb-panel', 'aria-haspopup': 'dialog'
    });
    bubble.appendChild(icon('chat'));
    bubble.appendChild(icon('down'));
    bubble.appendChild(el('span', 'pb-bubble-label', '政策咨询'));

    var panel = attrs(el('section', 'pb-panel'), {
      id: 'pb-panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'pb-title',
      'aria-describedby': 'pb-subtitle'
    });
    panel.hidden = true;

    // A div, not <header>: the host page has its own banner landmark.
    var header = el('div', 'pb-header');
    var heading = el('div', 'pb-heading');
    heading.appendChild(attrs(el('h2', 'pb-title', TITLE), { id: 'pb-title' }));
    heading.appendChild(attrs(el('p', 'pb-subtitle', '依据吴中区政策原文作答，每条回答注明出处'), { id: 'pb-subtitle' }));
    // 政策匹配: the company describes itself once and gets every measure it
    // may qualify for (widget-match.js, loaded when first opened).
    var matchBtn = attrs(el('button', 'pb-tool pb-match-tool', '政策匹配'), {
      type: 'button', 'aria-pressed': 'false', title: '按企业情况列出可申请的政策和测算金额'
    });
    var resetBtn = attrs(el('button', 'pb-tool pb-reset'), { type: 'button', 'aria-label': '开始新对话', title: '新对话' });
    resetBtn.appendChild(icon('reset'));
    var closeBtn = attrs(el('button', 'pb-tool pb-close'), { type: 'button', 'aria-label': '关闭对话窗口', title: '关闭（Esc）' });
    closeBtn.appendChild(icon('close'));
    header.appendChild(heading);
    header.appendChild(matchBtn);
    header.appendChild(resetBtn);
    header.appendChild(closeBtn);

    var log = attrs(el('div', 'pb-log'), {
      role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions text', 'aria-label': '对话记录', tabindex: '0'
    });

    var form = attrs(el('form', 'pb-form'), { novalidate: '' });
    var label = attrs(el('label', 'pb-sr', '输入您的问题'), { 'for': 'pb-input' });
    var input = attrs(el('textarea', 'pb-input'), {
      id: 'pb-input', rows: '1', maxlength: String(MAX_CHARS), placeholder: '请输入您的问题…',
      'aria-describedby': 'pb-hint pb-count', enterkeyhint: 'send', autocomplete: 'off'
    });
    var send = attrs(el('button', 'pb-send'), { type: 'submit', 'aria-label': '发送' });
    send.appendChild(icon('send'));
    var row = el('div', 'pb-input-row');
    row.appendChild(input);
    row.appendChild(send);
    var meta = el('div', 'pb-meta');
    meta.appendChild(attrs(el('span', 'pb-hint', 'Enter 发送，Shift+Enter 换行'), { id: 'pb-hint' }));
    var count = attrs(el('span', 'pb-count', '0/' + MAX_CHARS), { id: 'pb-count' });
    meta.appendChild(count);
    form.appendChild(label);
    form.appendChild(row);
    form.appendChild(meta);

    var foot = el('p', 'pb-foot', '回答依据政策原文自动生成，仅供参考，以政府正式印发文件及主管部门解释为准。');

    panel.appendChild(header);
    panel.appendChild(log);
    panel.appendChild(form);
    panel.appendChild(foot);
    wrap.appendChild(bubble); // the button first, then the dialog it opens (tab order)
    wrap.appendChild(panel);

    ui = { host: host, root: root, wrap: wrap, bubble: bubble, panel: panel, log: log, input: input, send: send, count: count, form: form,
      matchBtn: matchBtn, match: null };
    matchBtn.addEventListener('click', function () { showMatch(matchBtn.getAttribute('aria-pressed') !== 'true'); });

    bubble.addEventListener('click', function () { state.open ? close() : open(); });
    closeBtn.addEventListener('click', function () { close(); });
    resetBtn.addEventListener('click', reset);
    panel.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' || e.key === 'Esc') {
        e.preventDefault();
        close();
      }
    });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      submitInput();
    });
    input.addEventListener('keydown', function (e) {
      // isComposing / keyCode 229: Enter that confirms a Chinese IME candidate must not send.
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        submitInput();
      }
    });
    input.addEventListener('input', function () {
      updateCount();
      autoGrow();
    });
    // Keep the newest message in view when the panel changes size (a phone
    // keyboard opening, a rotation) if the reader was at the end.
    var pinned = true;
    log.addEventListener('scroll', function () { pinned = atEnd(); }, { passive: true });
    window.addEventListener('resize', function () { if (pinned && state.open) scrollToEnd(true); });

    document.body.appendChild(host);
    renderAll();
    if (state.open) open(true);
  }

  function updateCount() {
    var n = ui.input.value.length;
    ui.count.textContent = n + '/' + MAX_CHARS;
    ui.count.classList.toggle('pb-count-full', n >= MAX_CHARS);
  }

  function autoGrow() {
    ui.input.style.height = 'auto';
    ui.input.style.height = Math.min(ui.input.scrollHeight, 140) + 'px';
  }

  function setBusy(b) {
    busy = b;
    ui.send.disabled = b;
    ui.log.setAttribute('aria-busy', b ? 'true' : 'false');
  }

  // ---- open / close ------------------------------------------------------

  function open(restoring) {
    if (!ui) return;
    state.open = true;
    ui.panel.classList.toggle('pb-restored', !!restoring); // no entrance animation on reload
    ui.panel.hidden = false;
    ui.wrap.classList.add('pb-open');
    ui.bubble.setAttribute('aria-expanded', 'true');
    ui.bubble.setAttribute('aria-label', '收起' + TITLE);
    scrollToEnd(true);
    if (!restoring) {
      ui.input.focus();
      save();
    }
  }

  function close() {
    if (!ui) return;
    state.open = false;
    ui.panel.hidden = true;
    ui.wrap.classList.remove('pb-open');
    ui.bubble.setAttribute('aria-expanded', 'false');
    ui.bubble.removeAttribute('aria-label');
    ui.bubble.focus();
    save();
  }

  function reset() {
    if (busy) return;
    state.conversationId = '';
    state.messages = [];
    save();
    renderAll();
    ui.input.focus();
  }

  // ---- 政策匹配 ------------------------------------------------------------

  // showMatch switches between the conversation and the matching view,
  // loading widget-match.js (and its style) the first time.
  function showMatch(on) {
    ui.matchBtn.setAttribute('aria-pressed', on ? 'true' : 'false');
    ui.log.hidden = on;
    ui.form.hidden = on;
    if (!ui.match) {
      ui.match = attrs(el('section', 'pb-match'), { 'aria-label': '政策匹配' });
      ui.panel.insertBefore(ui.match, ui.form);
    }
    ui.match.hidden = !on;
    if (!on) {
      ui.input.focus();
      return;
    }
    if (ui.matchView) {
      ui.matchView.focus();
      return;
    }
    if (ui.matchLoading) return;
    ui.matchLoading = true;
    ui.root.appendChild(attrs(el('link'), { rel: 'stylesheet', href: endpoint('widget-match.css') }));
    var s = document.createElement('script');
    s.src = endpoint('widget-match.js');
    s.async = true;
    s.onload = function () {
      ui.matchView = window.PolicyBotMatch.mount(ui.match, {
        endpoint: endpoint, el: el, attrs: attrs, icon: icon, safeURL: safeURL,
        onBack: function () { showMatch(false); }
      });
      ui.matchView.focus();
    };
    s.onerror = function () {
      ui.matchLoading = false;
      ui.match.appendChild(attrs(el('p', 'pb-error-text', '政策匹配暂时无法加载，请稍后再试。'), { role: 'alert' }));
    };
    document.head.appendChild(s);
  }

  // ---- rendering ---------------------------------------------------------

  function renderAll() {
    var log = ui.log;
    while (log.firstChild) log.removeChild(log.firstChild);
    log.appendChild(welcome());
    state.messages.forEach(function (m) { log.appendChild(renderMessage(m)); });
  }

  function welcome() {
    var box = el('div', 'pb-msg pb-bot pb-welcome');
    box.appendChild(el('div', 'pb-text',
      '您好！我可以解答吴中区制造业、商务、文体旅等惠企扶持政策的问题。每条回答都会注明依据的政策条款，点击即可查看原文。'));
    if (!state.messages.length) {
      var list = attrs(el('div', 'pb-suggest'), { role: 'group', 'aria-label': '常见问题' });
      SUGGESTIONS.forEach(function (q) {
        var b = attrs(el('button', 'pb-chip', q), { type: 'button' });
        b.addEventListener('click', function () {
          ask(q);
          ui.input.focus(); // the chip is gone once the conversation starts
        });
        list.appendChild(b);
      });
      box.appendChild(list);
    }
    return box;
  }

  function renderMessage(m) {
    var node;
    if (m.role === 'user') {
      node = el('div', 'pb-msg pb-user');
      node.appendChild(el('span', 'pb-sr', '您的问题：'));
      node.appendChild(el('div', 'pb-text', m.text));
    } else {
      node = el('div', 'pb-msg pb-bot');
      updateBot(node, m);
    }
    m.node = node;
    return node;
  }

  // updateBot redraws a bot message from its state. It is called for every
  // piece of text revealed, so it rewrites only the text node when nothing
  // else changed.
  function updateBot(node, m) {
    var text = node.querySelector('.pb-text');
    if (!text) {
      node.appendChild(el('span', 'pb-sr', '助手回答：'));
      text = node.appendChild(el('div', 'pb-text'));
    }
    var shown = visibleText(m);
    if (text.textContent !== shown) text.textContent = shown;
    var mode = m.mode || (m.refused ? 'refuse' : 'answer');
    var working = !!(m.pending || m.hold);
    node.classList.toggle('pb-error', !!m.error);
    node.classList.toggle('pb-refused', !!m.refused);
    node.classList.toggle('pb-working', working);
    node.setAttribute('data-mode', working ? '' : mode);

    // The typing dots stay while the answer is being looked up and while
    // its text is still coming in.
    var typing = node.querySelector('.pb-typing');
    if (working && !m.error) {
      if (!typing) {
        typing = attrs(el('div', 'pb-typing'), { role: 'status' });
        typing.appendChild(el('span', 'pb-sr'));
        for (var i = 0; i < 3; i++) typing.appendChild(attrs(el('span', 'pb-dot'), { 'aria-hidden': 'true' }));
        node.appendChild(typing);
      }
      var say = shown ? '正在回答…' : '正在查找政策条款…';
      if (typing.firstChild.textContent !== say) typing.firstChild.textContent = say;
    } else if (typing) {
      node.removeChild(typing);
    }

    if (m.error && !node.querySelector('.pb-error-text')) {
      node.appendChild(attrs(el('p', 'pb-error-text', m.error), { role: 'alert' }));
    }
    if (working) return;

    if (mode === 'hedge' && !node.querySelector('.pb-hedge')) {
      var hedge = attrs(el('p', 'pb-hedge'), { role: 'note' });
      hedge.appendChild(icon('info'));
      hedge.appendChild(el('span', null, HEDGE_LABEL));
      node.insertBefore(hedge, text);
    }
    if (mode === 'route' && m.routeTo && (m.text || '').indexOf(m.routeTo) < 0 && !node.querySelector('.pb-route')) {
      node.appendChild(el('p', 'pb-route', '建议咨询：' + m.routeTo));
    }
    // A route or a refusal cites nothing: the documents do not cover it.
    if (mode !== 'route' && mode !== 'refuse' && m.citations && m.citations.length && !node.querySelector('.pb-cites')) {
      node.appendChild(renderCitations(m.citations, m.text || ''));
    }
    if (m.choices && m.choices.length && !node.querySelector('.pb-choices')) {
      node.appendChild(renderChoices(m.choices));
    }
    if (m.notice && !node.querySelector('.pb-notice')) {
      var notice = attrs(el('p', 'pb-notice'), { role: 'note' });
      notice.appendChild(icon('info'));
      notice.appendChild(el('span', null, m.notice));
      node.appendChild(notice);
    }
    if (m.messageId && !node.querySelector('.pb-feedback')) {
      node.appendChild(renderFeedback(m));
    }
  }

  // visibleText is as much of a bot message's text as has been revealed.
  function visibleText(m) {
    var t = m.text || '';
    if (m.hold) return '';
    if (typeof m.shown === 'number' && m.shown < t.length) return t.slice(0, m.shown);
    return t;
  }

  // renderCitations lists the cited articles. The quoted clause is shown
  // under its citation only when the answer does not already quote it, so
  // a clause is never shown twice.
  function renderCitations(cites, answer) {
    var box = el('div', 'pb-cites');
    box.appendChild(el('p', 'pb-cites-h', '出处'));
    var list = el('ol', 'pb-cite-list');
    cites.forEach(function (c) {
      if (!c) return;
      var li = el('li', 'pb-cite');
      var label = c.label || (c.article ? '第' + c.article + '条' : '');
      var text = '《' + (c.title || c.doc || '政策文件') + '》' + label + (c.department ? ' · ' + c.department : '');
      var href = safeURL(c.url);
      var a;
      if (href) {
        a = attrs(el('a', 'pb-cite-link'), { href: href, target: '_blank', rel: 'noopener' });
        a.appendChild(el('span', null, text));
        a.appendChild(icon('link'));
        a.appendChild(el('span', 'pb-sr', '（在新窗口打开原文）'));
      } else {
        a = el('span', 'pb-cite-link', text);
      }
      li.appendChild(a);
      if (c.quote && answer.indexOf(c.quote) < 0) li.appendChild(el('blockquote', 'pb-quote', c.quote));
      list.appendChild(li);
    });
    box.appendChild(list);
    return box;
  }

  // renderChoices offers a clarifying reply's suggestions as buttons that
  // ask them.
  function renderChoices(choices) {
    var box = attrs(el('div', 'pb-choices'), { role: 'group', 'aria-label': '您可以选择' });
    choices.forEach(function (c) {
      var b = attrs(el('button', 'pb-chip pb-choice', c.label), { type: 'button' });
      b.addEventListener('click', function () {
        ask(c.message);
        if (ui) ui.input.focus();
      });
      box.appendChild(b);
    });
    return box;
  }

  function renderFeedback(m) {
    var box = el('div', 'pb-feedback');
    var q = el('span', 'pb-fb-q', '这个回答有帮助吗？');
    // Drawn thumbs (👍/👎), not emoji: many office PCs have no emoji font.
    var up = attrs(el('button', 'pb-fb pb-fb-up'), { type: 'button', title: '👍 有帮助' });
    up.appendChild(icon('up'));
    up.appendChild(el('span', null, '有帮助'));
    var down = attrs(el('button', 'pb-fb pb-fb-down'), { type: 'button', title: '👎 没帮助' });
    down.appendChild(icon('thumbdown'));
    down.appendChild(el('span', null, '没帮助'));
    var status = attrs(el('span', 'pb-fb-status'), { role: 'status' });
    box.appendChild(q);
    box.appendChild(up);
    box.appendChild(down);
    box.appendChild(status);

    function mark() {
      up.setAttribute('aria-pressed', m.rating === 'up' ? 'true' : 'false');
      down.setAttribute('aria-pressed', m.rating === 'down' ? 'true' : 'false');
    }
    mark();

    function rate(r) {
      if (m.rating === r) return;
      m.rating = r;
      mark();
      save();
      status.textContent = '正在提交…';
      postFeedback({ message_id: m.messageId, rating: r }).then(function () {
        status.textContent = '感谢您的反馈！';
      }, function () {
        status.textContent = '反馈提交失败，请稍后再试。';
      });
      var old = box.querySelector('.pb-fb-form');
      if (old) box.removeChild(old);
      if (r === 'down') {
        // The box opens under the last answer, below the visible part of the
        // log: bring it into view and put the cursor in it.
        var f = box.appendChild(commentForm(m, status));
        var t = f.querySelector('textarea');
        f.scrollIntoView({ block: 'nearest' });
        t.focus({ preventScroll: true });
      }
    }
    up.addEventListener('click', function () { rate('up'); });
    down.addEventListener('click', function () { rate('down'); });
    return box;
  }

  function commentForm(m, status) {
    var f = el('form', 'pb-fb-form');
    var id = 'pb-fb-' + String(m.messageId).replace(/[^A-Za-z0-9_-]/g, '');
    f.appendChild(attrs(el('label', 'pb-fb-label', '哪里需要改进？（选填）'), { 'for': id }));
    var t = attrs(el('textarea', 'pb-fb-text'), { id: id, rows: '2', maxlength: '500', placeholder: '例如：没有回答到我关心的条件' });
    var b = attrs(el('button', 'pb-fb-send', '提交意见'), { type: 'submit' });
    f.appendChild(t);
    f.appendChild(b);
    f.addEventListener('submit', function (e) {
      e.preventDefault();
      var comment = t.value.trim();
      if (!comment) return;
      b.disabled = true;
      postFeedback({ message_id: m.messageId, rating: 'down', comment: comment }).then(function () {
        f.parentNode && f.parentNode.removeChild(f);
        status.textContent = '已收到您的意见，谢谢！';
      }, function () {
        b.disabled = false;
        status.textContent = '提交失败，请稍后再试。';
      });
    });
    return f;
  }

  // atEnd reports whether the reader is at the end of the log, so new text
  // scrolls into view without yanking someone who scrolled up to read.
  function atEnd() {
    var log = ui.log;
    return log.scrollHeight - log.scrollTop - log.clientHeight < 60;
  }

  function scrollToEnd(force) {
    if (force) ui.log.scrollTop = ui.log.scrollHeight;
  }

  // redraw updates a bot message and keeps the log pinned to its end when it was.
  function redraw(m) {
    var stick = atEnd();
    updateBot(m.node, m);
    scrollToEnd(stick);
  }

  // ---- talking to the server ----------------------------------------------

  function postFeedback(body) {
    return fetch(endpoint('api/feedback'), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
    }).then(function (res) {
      if (!res.ok) throw new Error('feedback: HTTP ' + res.status);
    });
  }

  function submitInput() {
    var q = ui.input.value;
    if (!q.trim() || busy) return;
    ui.input.value = '';
    updateCount();
    autoGrow();
    ask(q);
  }

  // giveBack puts a question that got no answer back into the empty input,
  // so that it need not be typed again.
  function giveBack(question) {
    if (!ui || ui.input.value) return;
    ui.input.value = question;
    updateCount();
    autoGrow();
  }

  // reveal shows a bot message's text at a reading pace once the typing
  // dots have been seen, and finishes the message (citations, choices,
  // feedback) when all of it is shown and the stream has ended.
  function reveal(m) {
    if (m.timer) return;
    var wait = (m.revealAt || 0) - Date.now();
    if (wait > 0) {
      m.timer = setTimeout(function () { m.timer = 0; reveal(m); }, wait);
      return;
    }
    if (m.hold) {
      m.hold = false;
      m.shown = 0;
    }
    var total = (m.text || '').length;
    var shown = typeof m.shown === 'number' ? m.shown : total;
    if (shown < total) {
      shown = Math.min(total, shown + Math.max(4, Math.ceil((total - shown) / 10)));
      // Never between the two halves of a character outside the BMP.
      var code = m.text.charCodeAt(shown - 1);
      if (code >= 0xD800 && code <= 0xDBFF && shown < total) shown++;
      m.shown = shown;
    }
    if (shown >= total && m.streamDone) {
      m.pending = false;
      delete m.shown;
    }
    redraw(m);
    if (m.pending && (shown < total || !m.streamDone)) {
      m.timer = setTimeout(function () { m.timer = 0; reveal(m); }, shown < total ? REVEAL_STEP_MS : 100);
      return;
    }
    if (!m.pending) save();
  }

  function ask(question) {
    question = String(question || '').trim().slice(0, MAX_CHARS);
    if (!question || busy || !ui) return;
    if (!state.open) open();
    var user = { role: 'user', text: question };
    state.messages.push(user);
    if (state.messages.length === 1) renderAll(); else ui.log.appendChild(renderMessage(user));
    var bot = { role: 'bot', text: '', pending: true, hold: true, revealAt: Date.now() + MIN_TYPING_MS };
    state.messages.push(bot);
    ui.log.appendChild(renderMessage(bot));
    scrollToEnd(true);
    save();
    setBusy(true);
    reveal(bot);

    var body = { message: question };
    if (state.conversationId) body.conversation_id = state.conversationId;
    var finished = false;

    fetch(endpoint('api/chat/stream'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept': 'text/event-stream' },
      body: JSON.stringify(body)
    }).then(function (res) {
      if (!res.ok) {
        return httpError(res).then(function (msg) {
          fail(bot, msg);
          giveBack(question);
          finished = true;
        });
      }
      if (!res.body || !res.body.getReader) {
        throw new Error('no readable stream');
      }
      return readSSE(res.body, function (event, data) {
        if (finished) return;
        switch (event) {
          case 'delta':
            if (data && typeof data.text === 'string') {
              bot.text += data.text;
              reveal(bot);
            }
            break;
          case 'citations':
            // Shown with the rest of the answer once it is complete.
            bot.citations = sanitizeCitations(data);
            break;
          case 'done':
            data = data || {};
            // A replaced answer keeps what was streamed: the checked
            // sentences, the line saying why generation stopped, and the
            // offline answer after it. Nothing shown is taken back: the
            // final text is taken only where it continues what is shown.
            if (!data.replaced && typeof data.answer === 'string' && data.answer) {
              var seen = visibleText(bot);
              if (data.answer.slice(0, seen.length) === seen) bot.text = data.answer;
            }
            if (typeof data.conversation_id === 'string' && data.conversation_id) state.conversationId = data.conversation_id;
            bot.messageId = typeof data.message_id === 'string' ? data.message_id : (data.message_id != null ? String(data.message_id) : '');
            bot.refused = !!data.refused;
            bot.notice = typeof data.notice === 'string' ? data.notice : '';
            bot.mode = typeof data.mode === 'string' ? data.mode : '';
            bot.routeTo = typeof data.route_to === 'string' ? data.route_to : '';
            bot.choices = sanitizeChoices(data.choices);
            finished = true;
            bot.streamDone = true;
            reveal(bot);
            break;
          case 'error':
            fail(bot, (data && (data.error_zh || data.error)) || '回答时出错，请稍后再试。');
            finished = true;
            break;
        }
      }).then(function () {
        if (!finished) fail(bot, '回答中断了，请重新提问。');
      });
    }).catch(function () {
      if (!finished) {
        fail(bot, '网络连接异常，请检查网络后重试。');
        giveBack(question);
      }
    }).then(function () {
      setBusy(false);
      save();
    });
  }

  function sanitizeCitations(data) {
    if (!Array.isArray(data)) return [];
    return data.filter(function (c) { return c && typeof c === 'object'; }).map(function (c) {
      return {
        doc: str(c.doc), article: typeof c.article === 'number' ? c.article : 0, label: str(c.label),
        title: str(c.title), department: str(c.department), url: str(c.url), quote: str(c.quote)
      };
    });
  }

  function sanitizeChoices(data) {
    if (!Array.isArray(data)) return [];
    return data.filter(function (c) {
      return c && typeof c === 'object' && typeof c.message === 'string' && c.message.trim();
    }).slice(0, 8).map(function (c) {
      return { label: str(c.label) || c.message, message: c.message.slice(0, MAX_CHARS) };
    });
  }

  function str(v) { return typeof v === 'string' ? v : ''; }

  function fail(bot, msg) {
    if (bot.timer) clearTimeout(bot.timer);
    bot.timer = 0;
    bot.hold = false;
    delete bot.shown;
    bot.pending = false;
    bot.error = msg;
    redraw(bot);
  }

  // httpError turns a non-2xx response into the message shown to the user:
  // the server's Chinese error when it sent one, else a message by status.
  function httpError(res) {
    var retry = parseInt(res.headers.get('Retry-After') || '', 10);
    return res.json().catch(function () { return {}; }).then(function (j) {
      var msg = (j && typeof j.error_zh === 'string' && j.error_zh) || '';
      if (j && j.code === 'origin_not_allowed' && window.console) {
        // For the site's developer: the fix is on the PolicyBot server.
        console.warn('PolicyBot: ' + (j.error || 'this site is not allowed') +
          ' Ask the PolicyBot administrator to add ' + location.origin + ' to POLICYBOT_ALLOWED_ORIGINS.');
      }
      if (!msg) {
        if (res.status === 413) msg = '问题太长了，请精简到' + MAX_CHARS + '字以内。';
        else if (res.status === 429) msg = '提问太频繁了，请稍后再试。';
        else if (res.status === 400) msg = '请求有误，请修改问题后重试。';
        else if (res.status === 403) msg = '本网站暂未开通政策咨询服务，请联系网站管理员。';
        else msg = '服务暂时不可用，请稍后再试。';
      }
      if (res.status === 429 && retry > 0 && msg.indexOf(String(retry)) < 0) {
        msg += '（请约' + retry + '秒后重试）';
      }
      return msg;
    });
  }

  // readSSE parses a text/event-stream body and calls onEvent(name, data)
  // for each event whose data is JSON.
  function readSSE(body, onEvent) {
    var reader = body.getReader();
    var decoder = new TextDecoder('utf-8');
    var buf = '';

    function dispatch(block) {
      var name = 'message';
      var data = [];
      block.split('\n').forEach(function (line) {
        if (!line || line.charAt(0) === ':') return;
        var c = line.indexOf(':');
        var field = c < 0 ? line : line.slice(0, c);
        var value = c < 0 ? '' : line.slice(c + 1);
        if (value.charAt(0) === ' ') value = value.slice(1);
        if (field === 'event') name = value;
        else if (field === 'data') data.push(value);
      });
      if (!data.length) return;
      var parsed;
      try {
        parsed = JSON.parse(data.join('\n'));
      } catch (e) {
        return; // not ours to show
      }
      onEvent(name, parsed);
    }

    function drain(final) {
      // Normalise CRLF and CR line ends; a trailing CR may be half of a CRLF.
      var hold = !final && buf.slice(-1) === '\r';
      if (hold) buf = buf.slice(0, -1);
      buf = buf.replace(/\r\n?/g, '\n');
      var i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        var block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        dispatch(block);
      }
      if (hold) buf += '\r';
      if (final && buf.trim()) {
        dispatch(buf);
        buf = '';
      }
    }

    function pump() {
      return reader.read().then(function (r) {
        if (r.done) {
          buf += decoder.decode();
          drain(true);
          return;
        }
        buf += decoder.decode(r.value, { stream: true });
        drain(false);
        return pump();
      });
    }
    return pump();
  }

  // ---- host page hooks ----------------------------------------------------

  document.addEventListener('click', function (e) {
    var t = e.target && e.target.closest ? e.target.closest('[data-policybot-ask]') : null;
    if (!t || !ui) return;
    e.preventDefault();
    var q = t.getAttribute('data-policybot-ask');
    if (q) ask(q); else open();
  });

  window.PolicyBot = {
    version: 1,
    open: function () { open(); },
    close: function () { close(); },
    ask: function (q) { ask(q); }
  };

  if (document.body) {
    build();
  } else {
    document.addEventListener('DOMContentLoaded', build);
  }
})();
