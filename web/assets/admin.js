/*
 * PolicyBot admin page: sign in with the admin token, upload a policy file,
 * check the preview of every parsed article and its problems, publish it;
 * then the documents with their versions (rollback, retire), the audit log
 * and the questions the bot could not answer. The API is web/admin.go.
 *
 * Security: everything the server sends (document text may contain markup
 * and injected spam) is written with textContent, never innerHTML. Every
 * cookie-authenticated POST carries the X-CSRF-Token header from
 * <meta name="csrf-token">. There are no inline scripts or styles: the page
 * runs under a Content-Security-Policy without 'unsafe-inline'.
 */
(function () {
  'use strict';

  var script = document.currentScript;
  // The admin root ("…/admin/"), from where this script was served
  // (…/admin/assets/admin.js), so that a path prefix in front of /admin works.
  var ROOT = script && script.src ? new URL('../', script.src).href : location.origin + '/admin/';
  var PAGE = ROOT.replace(/\/$/, ''); // the page itself, …/admin

  var CATEGORIES = {
    manufacturing: '制造业',
    commerce: '商务',
    'culture-sports-tourism': '文体旅',
    news: '新闻/会议',
    other: '其他'
  };
  // What a document is (the list) and what a version is (its history).
  var DOC_STATUS = { published: '已发布', retired: '已停用', draft: '未发布' };
  var VERSION_STATUS = { published: '使用中', retired: '已停用', superseded: '历史版本', draft: '草稿（未发布）' };
  var ACTIONS = { seed: '初始导入', upload: '上传', publish: '发布', rollback: '恢复版本', retire: '停用' };
  var FIELDS = {
    id: '文件编号', title: '标题', category: '类别', issuer: '发文单位', doc_no: '文号', published: '发布日期',
    effective_from: '生效日期', effective_to: '失效日期', lead_department: '牵头部门', sample: '示例文本',
    supersedes: '取代的文件', source_url: '原文链接', region: '适用地区', level: '层级', year: '政策年度', status: '文件状态'
  };
  var LEVELS = { district: '区/县级市', city: '市', province: '省', national: '国家' };
  var DOC_STATUSES = { 'in-force': '现行有效', expired: '已失效', repealed: '已废止' };

  function $(id) { return document.getElementById(id); }

  function meta(name) {
    var m = document.querySelector('meta[name="' + name + '"]');
    return m ? m.getAttribute('content') || '' : '';
  }

  var MAX_BYTES = Number(meta('max-upload')) || 20 << 20;

  // ---- DOM helpers (text only) -------------------------------------------

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text != null && text !== '') n.textContent = String(text);
    return n;
  }

  function attrs(n, a) {
    Object.keys(a).forEach(function (k) { n.setAttribute(k, a[k]); });
    return n;
  }

  function clear(n) {
    while (n.firstChild) n.removeChild(n.firstChild);
    return n;
  }

  function button(text, cls, onClick) {
    var b = attrs(el('button', cls || 'btn', text), { type: 'button' });
    if (onClick) b.addEventListener('click', onClick);
    return b;
  }

  function say(node, text) {
    if (node) node.textContent = text || '';
  }

  function list(v) {
    return Array.isArray(v) ? v : [];
  }

  function pad(n) { return n < 10 ? '0' + n : String(n); }

  // today is the date in China Standard Time, where the policies apply.
  function today() {
    var d = new Date(Date.now() + 8 * 3600 * 1000);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate());
  }

  // when shows an RFC 3339 time of the API ("2026-06-01T10:00:00+08:00") as
  // "2026-06-01 10:00", in China Standard Time as sent.
  function when(s) {
    var m = String(s || '').match(/^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/);
    return m ? m[1] + ' ' + m[2] : String(s || '');
  }

  function day(s) {
    return String(s || '').slice(0, 10);
  }

  function category(c) { return CATEGORIES[c] || c || ''; }

  function size(n) {
    if (n < 1024) return n + ' 字节';
    if (n < 1 << 20) return Math.round(n / 1024) + ' KB';
    return (n / (1 << 20)).toFixed(1).replace(/\.0$/, '') + ' MB';
  }

  // Invisible characters (zero-width, direction controls) are shown by
  // their code, so that an official sees what a finding is about.
  var INVISIBLE = /[\u00AD\u200B-\u200F\u2028\u2029\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
  function visible(s) {
    return String(s).replace(INVISIBLE, function (c) {
      return '⟨U+' + ('000' + c.charCodeAt(0).toString(16).toUpperCase()).slice(-4) + '⟩';
    });
  }

  // ---- the API -----------------------------------------------------------

  var FALLBACK = {
    400: '提交的内容有误，请检查后重试。',
    401: '登录已过期，请重新登录。',
    403: '页面已过期，请刷新页面后重试。',
    404: '没有找到这份文件，它可能已被删除。',
    409: '文件的状态已经变化（可能刚被别人修改），请刷新后重试。',
    413: '文件太大（最大 ' + size(MAX_BYTES) + '），请拆分文件或压缩其中的图片后再上传。',
    422: '文件有问题，不能发布，请查看下方列出的问题。',
    429: '操作太频繁，请稍后再试。'
  };

  function failure(status, data) {
    var msg = data && typeof data === 'object' && data.error_zh;
    if (!msg) msg = FALLBACK[status] || (status >= 500 ? '服务器出错，请稍后再试。如果一直出错，请联系系统管理员。' : '操作失败（错误代码 ' + status + '），请稍后再试。');
    var err = new Error(msg);
    err.status = status;
    err.data = data;
    return err;
  }

  // api calls the admin API at ROOT + path; POSTs carry the CSRF token. It
  // resolves to the parsed JSON, and rejects with an Error whose message is
  // Chinese and safe to show; err.data is the JSON body of the refusal.
  function api(method, path, body) {
    var headers = { Accept: 'application/json' };
    if (method !== 'GET') headers['X-CSRF-Token'] = meta('csrf-token');
    var opts = { method: method, headers: headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) opts.body = body; // FormData: the browser sets the multipart type
    return fetch(new URL(path, ROOT).href, opts).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { /* not JSON: a proxy's error page */ }
        if (res.status === 401) sessionExpired();
        if (!res.ok) throw failure(res.status, data);
        return data;
      });
    }, function () {
      throw new Error('网络连接失败，请检查网络后重试。');
    });
  }

  function sessionExpired() {
    var m = $('session-msg');
    if (!m || !m.hidden) return;
    clear(m);
    m.appendChild(document.createTextNode('登录已过期或已在别处退出，请重新登录后再操作。'));
    m.appendChild(attrs(el('a', null, '重新登录'), { href: PAGE }));
    m.hidden = false;
    window.scrollTo(0, 0);
  }

  // ---- sign in / out -----------------------------------------------------

  // The sign-in form works without script (the server redirects back to
  // the page); with it, a wrong token is told on the page, and the token
  // field keeps focus.
  function initLogin() {
    var form = $('login-form');
    if (!form) return;
    var input = $('token');
    var msg = $('login-msg');
    var btn = $('login-btn');
    input.focus();
    input.addEventListener('input', function () { input.removeAttribute('aria-invalid'); });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var token = input.value.trim();
      if (!token) {
        fail('请输入管理令牌。');
        return;
      }
      say(msg, '');
      btn.disabled = true;
      btn.textContent = '正在登录…';
      var body = new URLSearchParams();
      body.set('token', token);
      fetch(form.action, {
        method: 'POST', body: body, credentials: 'same-origin', cache: 'no-store',
        headers: { Accept: 'text/html, application/json' }
      }).then(function (res) {
        return res.text().then(function (text) {
          if (res.ok && signedInPage(text)) {
            // (Replacing /admin#docs with itself would only scroll.)
            if (location.href.split('#')[0] === PAGE) location.reload();
            else location.replace(PAGE + location.hash);
            return;
          }
          var data = null;
          try { data = JSON.parse(text); } catch (err) { /* a page */ }
          var m = data && data.error_zh;
          if (!m && res.status === 429) m = FALLBACK[429];
          if (!m && res.status >= 500) m = '服务器出错，请稍后再试。';
          fail(m || '管理令牌不正确，请核对后重新输入。');
        });
      }, function () {
        fail('网络连接失败，请检查网络后重试。');
      });
    });
    function fail(text) {
      btn.disabled = false;
      btn.textContent = '登录';
      say(msg, text);
      input.setAttribute('aria-invalid', 'true');
      input.select();
      input.focus();
    }
  }

  // signedInPage reports whether the answer to the sign-in is the page,
  // signed in: it carries a CSRF token. (DOMParser runs no scripts.)
  function signedInPage(text) {
    if (!text || text.charAt(0) === '{') return false;
    var doc = new DOMParser().parseFromString(text, 'text/html');
    var m = doc.querySelector('meta[name="csrf-token"]');
    return !!(m && m.getAttribute('content'));
  }

  function initLogout() {
    var b = $('logout');
    if (!b) return;
    b.addEventListener('click', function () {
      b.disabled = true;
      api('POST', 'logout').then(done, done);
      function done() { location.replace(PAGE); }
    });
  }

  // ---- tabs --------------------------------------------------------------

  var loaders = {};

  function initTabs() {
    var tabs = Array.prototype.slice.call(document.querySelectorAll('[role="tab"]'));
    tabs.forEach(function (t, i) {
      t.addEventListener('click', function () { select(tabName(t)); });
      t.addEventListener('keydown', function (e) {
        var j = -1;
        if (e.key === 'ArrowRight') j = (i + 1) % tabs.length;
        else if (e.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
        else if (e.key === 'Home') j = 0;
        else if (e.key === 'End') j = tabs.length - 1;
        if (j < 0) return;
        e.preventDefault();
        select(tabName(tabs[j]));
        tabs[j].focus();
      });
    });
    var h = location.hash.replace(/^#/, '');
    if ($('tab-' + h)) select(h);
  }

  function tabName(t) { return t.id.replace(/^tab-/, ''); }

  // select shows the panel of the named tab, remembers it in the address
  // (a reload comes back to it) and loads its data.
  function select(name) {
    var tab = $('tab-' + name);
    if (!tab) return;
    document.querySelectorAll('[role="tab"]').forEach(function (t) {
      var on = t === tab;
      t.setAttribute('aria-selected', on ? 'true' : 'false');
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
    });
    if (history.replaceState) history.replaceState(null, '', name === 'upload' ? location.pathname : '#' + name);
    if (loaders[name]) loaders[name]();
  }

  // ---- upload ------------------------------------------------------------

  // Word, PDF and web pages carry no metadata of their own.
  var NEEDS_META = /\.(docx|pdf|html?|shtml|xhtml)$/i;
  var REFUSED = {
    '.doc': '旧版 Word（.doc）文件不能直接上传：请用 Word 或 WPS 打开，另存为 .docx 后再上传。',
    '.wps': 'WPS 文件不能直接上传：请另存为 .docx 后再上传。',
    '.xls': '不支持电子表格，请上传政策正文（.docx、PDF 等）。',
    '.xlsx': '不支持电子表格，请上传政策正文（.docx、PDF 等）。',
    '.et': '不支持电子表格，请上传政策正文（.docx、PDF 等）。',
    '.ofd': '不支持 OFD 文件，请导出为 PDF 后再上传。',
    '.zip': '不支持压缩包，请解压后上传其中的政策文件。',
    '.rar': '不支持压缩包，请解压后上传其中的政策文件。'
  };

  function ext(name) {
    return (String(name).match(/\.[^.]+$/) || [''])[0].toLowerCase();
  }

  var preview = null; // the version the preview shows: {id, version, title}

  function initUpload() {
    var form = $('upload-form');
    var file = $('f-file');
    var drop = $('drop');
    say($('max-size'), size(MAX_BYTES));
    file.addEventListener('change', fileChosen);
    ['dragenter', 'dragover'].forEach(function (t) {
      drop.addEventListener(t, function (e) {
        e.preventDefault();
        drop.classList.add('over');
      });
    });
    ['dragleave', 'drop'].forEach(function (t) {
      drop.addEventListener(t, function () { drop.classList.remove('over'); });
    });
    drop.addEventListener('drop', function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files.length) {
        file.files = e.dataTransfer.files;
        fileChosen();
      }
    });
    form.querySelectorAll('input, select').forEach(function (i) {
      i.addEventListener('input', function () { i.removeAttribute('aria-invalid'); });
    });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      upload(form);
    });
  }

  function fileChosen() {
    var input = $('f-file');
    var f = input.files && input.files[0];
    var msg = $('upload-msg');
    say(msg, '');
    input.removeAttribute('aria-invalid');
    say($('file-name'), f ? '已选择：' + f.name + '（' + size(f.size) + '）' : '');
    $('meta-hint').classList.toggle('attention', !!f && NEEDS_META.test(f.name));
    if (!f) return;
    var bad = REFUSED[ext(f.name)] || (f.size > MAX_BYTES ? FALLBACK[413] : '');
    if (bad) {
      say(msg, bad);
      input.setAttribute('aria-invalid', 'true');
    }
  }

  // check validates the form before it is sent: [field, message] pairs.
  function check(form) {
    var f = $('f-file').files[0];
    var bad = [];
    if (!f) bad.push([$('f-file'), '请先选择要上传的政策文件。']);
    else if (REFUSED[ext(f.name)]) bad.push([$('f-file'), REFUSED[ext(f.name)]]);
    else if (f.size > MAX_BYTES) bad.push([$('f-file'), FALLBACK[413]]);
    var id = $('f-id');
    id.value = id.value.trim();
    var needMeta = f && NEEDS_META.test(f.name);
    if (id.value && !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id.value)) {
      bad.push([id, '文件编号只能用小写英文字母、数字和短横线（例如 wz-mfg-2026），不能有空格或中文。']);
    } else if (!id.value && needMeta) {
      bad.push([id, '请填写文件编号（例如 wz-mfg-2026）。']);
    }
    if (needMeta && !$('f-category').value) bad.push([$('f-category'), '请选择政策类别。']);
    var from = $('f-from').value, to = $('f-to').value;
    if (from && to && to < from) bad.push([$('f-to'), '失效日期早于生效日期，请检查。']);
    var y = $('f-year').value.trim();
    if (y && !/^(19|20)[0-9]{2}$/.test(y)) bad.push([$('f-year'), '政策年度请填写四位年份，例如 2026。']);
    var u = $('f-url').value.trim();
    if (u && !/^https?:\/\//i.test(u)) bad.push([$('f-url'), '原文链接应以 http:// 或 https:// 开头。']);
    form.querySelectorAll('[aria-invalid]').forEach(function (n) { n.removeAttribute('aria-invalid'); });
    bad.forEach(function (b) { b[0].setAttribute('aria-invalid', 'true'); });
    return bad;
  }

  function step(n) {
    for (var i = 1; i <= 3; i++) {
      var s = $('step-' + i);
      if (i === n) s.setAttribute('aria-current', 'step');
      else s.removeAttribute('aria-current');
    }
  }

  function upload(form) {
    var msg = $('upload-msg');
    var btn = $('upload-btn');
    var busy = $('upload-busy');
    say(msg, '');
    var bad = check(form);
    if (bad.length) {
      say(msg, bad.map(function (b) { return b[1]; }).join('\n'));
      bad[0][0].focus();
      return;
    }
    var f = $('f-file').files[0];
    btn.disabled = true;
    say(busy, /\.pdf$/i.test(f.name) ? '正在上传并识别 PDF，可能需要一两分钟，请稍候…' : '正在上传并识别文件，请稍候…');
    hidePreview();
    api('POST', 'api/documents', new FormData(form)).then(function (v) {
      showPreview(v, '');
    }, function (err) {
      // 422: the version, when the file could be read, with what is wrong;
      // a file that could not be read at all only needs the message.
      var v = err.data;
      if (err.status === 422 && v && Array.isArray(v.articles) && (v.version > 0 || v.articles.length)) {
        showPreview(err.data, err.message);
        return;
      }
      say(msg, err.message);
      msg.focus();
    }).then(function () {
      btn.disabled = false;
      say(busy, '');
    });
  }

  // ---- preview -----------------------------------------------------------

  function hidePreview() {
    var p = $('preview');
    p.hidden = true;
    clear(p);
    preview = null;
    step(1);
  }

  // openDraft shows a stored draft in the preview, to publish it.
  function openDraft(id, n) {
    return api('GET', 'api/documents/' + encodeURIComponent(id) + '?version=' + n).then(function (res) {
      var v = res.version;
      v.diff = res.diff || null;
      select('upload');
      showPreview(v, '');
    });
  }

  function finding(f) {
    return {
      line: f.line || 0, col: f.col || 0, severity: f.severity || 'error', code: f.code || '',
      // message is in both languages; message_zh is what the official reads.
      msg: String(f.message || ''), zh: visible(f.message_zh || f.message || ''), match: String(f.match || ''), article: null
    };
  }

  // showPreview renders version v of the API (an upload's answer, or a
  // draft): its metadata, what is wrong with it, every article (those with
  // a problem in red, the offending text marked) and the publish button,
  // enabled only when nothing blocks publishing.
  function showPreview(v, errorText) {
    // Errors block publishing; findings are the spam check's (errors too)
    // and the parser's warnings.
    var problems = list(v.errors).concat(list(v.findings)).map(finding);
    var blocking = problems.filter(function (f) { return f.severity === 'error'; });
    var notes = problems.filter(function (f) { return f.severity !== 'error'; });
    var warningsZh = list(v.warnings_zh);
    var warnings = list(v.warnings).map(function (t, i) {
      return { msg: String(t), zh: visible(warningsZh[i] || t) };
    });
    var byParagraph = v.cite_by === 'paragraph';
    var unit = byParagraph ? '段' : '条';
    var lines = String(v.markdown || '').split('\n');
    var articles = list(v.articles).map(function (a) {
      return { number: a.number, label: a.label, chapter: a.chapter || '', text: a.text || '', department: a.department || '',
        start: a.start_line || 0, end: a.end_line || a.start_line || 0, problems: [], provisions: list(a.provisions) };
    });

    // Each problem goes to the article it is in: by source line, else by
    // the text it matched.
    problems.forEach(function (p) {
      var hit = null;
      articles.forEach(function (a) {
        if (!hit && p.line && a.start && p.line >= a.start && p.line <= a.end) hit = a;
      });
      articles.forEach(function (a) {
        if (!hit && p.match && a.text.indexOf(p.match) >= 0) hit = a;
      });
      if (hit) {
        hit.problems.push(p);
        p.article = hit;
      } else if (p.line && lines[p.line - 1] != null) {
        p.source = lines[p.line - 1];
      }
    });

    var stored = v.version > 0;
    var canPublish = stored && v.status === 'draft' && v.publishable && !blocking.length && articles.length > 0;
    // base is the version that was current when the official looked: the
    // publish is refused (409) if someone changes the document meanwhile.
    preview = { id: v.id, version: v.version, title: v.title || v.id, base: v.diff && v.diff.from ? v.diff.from : 0 };

    var box = clear($('preview'));
    var head = el('div', 'preview-head');
    head.appendChild(attrs(el('h2', 'preview-title', '预览：' + (v.title || v.id || (v.source && v.source.name) || '未命名文件')), { id: 'preview-h' }));
    var pills = el('div', 'summary');
    pills.appendChild(el('span', 'pill pill-blue', '共 ' + articles.length + ' ' + unit));
    if (blocking.length) pills.appendChild(el('span', 'pill pill-bad', blocking.length + ' 个问题需修改'));
    else if (articles.length) pills.appendChild(el('span', 'pill pill-ok', '检查通过'));
    if (notes.length + warnings.length) pills.appendChild(el('span', 'pill pill-warn', (notes.length + warnings.length) + ' 条提示'));
    head.appendChild(pills);
    box.appendChild(head);

    if (errorText) box.appendChild(attrs(el('p', 'msg msg-error', errorText), { role: 'alert' }));
    if (!stored) {
      box.appendChild(el('p', 'msg msg-warn', '这个文件没有保存：' + (v.id ? '' : '缺少有效的文件编号，') + '请按下面的提示修改后重新上传。'));
    }

    var dl = el('dl', 'meta');
    function row(k, val) {
      if (val === undefined || val === null || val === '') return;
      dl.appendChild(el('dt', null, k));
      dl.appendChild(el('dd', null, val));
    }
    row('文件编号', v.id);
    if (stored) row('版本', '第 ' + v.version + ' 版 · ' + (VERSION_STATUS[v.status] || v.status));
    row('政策类别', category(v.category));
    row('发文单位', v.issuer);
    row('文号', v.doc_no);
    // (An upload's answer has "published": whether it went live at once.)
    if (typeof v.published === 'string') row('发布日期', v.published);
    if (v.effective_from || v.effective_to) row('有效期', (v.effective_from || '发布之日') + ' 至 ' + (v.effective_to || '长期'));
    row('牵头部门', v.lead_department);
    var inferred = v.scope_inferred || [];
    function guess(field, text) { return inferred.indexOf(field) >= 0 ? text + '（自动判断）' : text; }
    row('适用地区', v.region ? guess('region', v.region) + (v.level ? ' · ' + guess('level', LEVELS[v.level] || v.level) : '') : '未能判断（各地区的提问都会用到此文件）');
    if (v.year) row('政策年度', guess('year', v.year + ' 年'));
    if (v.doc_status) row('文件状态', DOC_STATUSES[v.doc_status] || v.doc_status);
    row('取代的文件', v.supersedes);
    if (v.sample) row('示例文本', '是（每条答复都会提示以正式文件为准）');
    if (v.source && v.source.name) row('上传的文件', v.source.name + (v.source.size ? '（' + size(v.source.size) + '）' : ''));
    if (dl.firstChild) box.appendChild(dl);

    box.appendChild(renderProblems(blocking, notes, warnings));

    if (v.diff && v.diff.from > 0) {
      var changes = el('div', 'changes');
      changes.appendChild(el('h3', 'card-h', '与正在使用的第 ' + v.diff.from + ' 版相比'));
      changes.appendChild(renderDiff(v.diff));
      box.appendChild(changes);
    }

    box.appendChild(el('h3', 'card-h', '识别出的' + (byParagraph ? '段落' : '条款')));
    box.appendChild(el('p', 'hint', '请逐' + unit + '核对下面的内容与原文是否一致。标红的' + unit + '有问题，红底文字是问题所在。'));
    var arts = attrs(el('div', 'articles'), { id: 'preview-articles' });
    var chapter = '';
    articles.forEach(function (a) {
      if (a.chapter && a.chapter !== chapter) arts.appendChild(el('h4', 'chapter', a.chapter));
      chapter = a.chapter;
      arts.appendChild(renderArticle(a));
    });
    if (!articles.length) arts.appendChild(el('p', 'empty', '没有识别出任何条款。请确认文件中的条款以“第一条”“第二条”……开头。'));
    box.appendChild(arts);

    var bar = el('div', 'publish-bar');
    var why = attrs(el('p', 'why'), { id: 'publish-why', role: 'status' });
    var pub = button('发布', 'btn btn-big', function () { publish(pub, why); });
    attrs(pub, { id: 'publish-btn', 'aria-describedby': 'publish-why' });
    pub.disabled = !canPublish;
    if (canPublish) {
      say(why, '检查通过。点击“发布”后，企业提问时立即用到这份文件' + (notes.length + warnings.length ? '（请先核对上面的提示）' : '') + '。');
    } else {
      why.classList.add('bad');
      if (blocking.length) say(why, '有 ' + blocking.length + ' 个问题必须先修改，才能发布。请修改原文件后重新上传。');
      else if (!articles.length) say(why, '没有识别出' + (byParagraph ? '段落' : '条款') + '，不能发布。');
      else if (v.status !== 'draft') say(why, '这个版本已经发布过。');
      else say(why, '这个文件不能发布，请修改后重新上传。');
    }
    bar.appendChild(pub);
    bar.appendChild(button('重新上传', 'btn btn-ghost', function () {
      hidePreview();
      $('f-file').focus();
    }));
    bar.appendChild(why);
    box.appendChild(bar);

    box.hidden = false;
    step(2);
    box.scrollIntoView({ block: 'start' });
    box.focus({ preventScroll: true });
  }

  function renderProblems(blocking, notes, warnings) {
    var wrap = el('div');
    if (blocking.length) {
      var s = el('div', 'problems');
      s.appendChild(el('h3', null, '必须修改的问题（' + blocking.length + '）'));
      var ol = el('ol');
      blocking.forEach(function (f) { ol.appendChild(renderFinding(f)); });
      s.appendChild(ol);
      wrap.appendChild(s);
    }
    if (notes.length || warnings.length) {
      var w = el('div', 'problems problem-warn');
      w.appendChild(el('h3', null, '请核对的提示（' + (notes.length + warnings.length) + '）'));
      var wl = el('ol');
      notes.forEach(function (f) { wl.appendChild(renderFinding(f)); });
      warnings.forEach(function (t) {
        var li = el('li', null, t.zh);
        if (t.zh !== t.msg) li.appendChild(el('span', 'detail', t.msg));
        wl.appendChild(li);
      });
      w.appendChild(wl);
      wrap.appendChild(w);
    }
    return wrap;
  }

  function renderFinding(f) {
    var li = el('li', 'finding');
    var where = [];
    if (f.article) where.push(f.article.label);
    if (f.line) where.push('第 ' + f.line + ' 行' + (f.col ? '第 ' + f.col + ' 列' : ''));
    if (where.length) li.appendChild(el('span', 'where', where.join(' · ')));
    li.appendChild(el('span', null, f.zh));
    if (f.match) {
      li.appendChild(document.createTextNode('：'));
      li.appendChild(el('mark', 'bad', visible(f.match)));
    }
    // The line of the converted text, for a problem outside the articles
    // (the title, the metadata).
    if (f.source != null && f.source.trim()) {
      var src = el('span', 'source');
      highlight(src, f.source.length > 240 ? f.source.slice(0, 240) + '…' : f.source, f.match ? [f.match] : []);
      li.appendChild(src);
    }
    // The whole message, with its English advice, for whoever fixes the file.
    if (f.zh !== f.msg) li.appendChild(el('span', 'detail', f.msg));
    return li;
  }

  function renderArticle(a) {
    var item = el('section', 'article' + (a.problems.length ? ' has-problem' : ''));
    var label = el('h5', 'article-label', a.label);
    if (a.problems.length) label.appendChild(el('span', 'tag-bad', '有问题'));
    item.appendChild(label);
    var text = el('p', 'article-text');
    highlight(text, a.text, a.problems.map(function (p) { return p.match; }));
    item.appendChild(text);
    if (a.department) item.appendChild(el('p', 'article-dept', '责任部门：' + a.department));
    // What the bot will take each clause to mean: the official checks the
    // tiers, amounts and thresholds before publishing.
    if (a.provisions && a.provisions.length) {
      var det = el('details', 'provisions');
      det.appendChild(el('summary', null, '系统识别的要点（' + a.provisions.length + '）'));
      var ul = el('ul', 'provision-list');
      a.provisions.forEach(function (p) {
        var li = el('li', 'provision provision-' + p.kind, String(p.describe || ''));
        li.title = String(p.text || '');
        ul.appendChild(li);
      });
      det.appendChild(ul);
      item.appendChild(det);
    }
    a.problems.forEach(function (p) {
      item.appendChild(el('p', 'article-problem', '⚠ ' + p.zh));
    });
    return item;
  }

  // highlight writes text into node with every occurrence of the needles
  // in <mark class="bad"> (text nodes, never markup).
  function highlight(node, text, needles) {
    needles = needles.filter(function (s) { return s && s.length > 0; });
    var i = 0;
    while (i < text.length) {
      var best = -1, len = 0;
      needles.forEach(function (s) {
        var j = text.indexOf(s, i);
        if (j >= 0 && (best < 0 || j < best || (j === best && s.length > len))) {
          best = j;
          len = s.length;
        }
      });
      if (best < 0) break;
      if (best > i) node.appendChild(document.createTextNode(text.slice(i, best)));
      node.appendChild(el('mark', 'bad', visible(text.slice(best, best + len))));
      i = best + len;
    }
    if (i < text.length) node.appendChild(document.createTextNode(text.slice(i)));
  }

  function publish(btn, why) {
    var p = preview;
    if (!p) return;
    btn.disabled = true;
    why.classList.remove('bad');
    say(why, '正在发布…');
    api('POST', 'api/documents/' + encodeURIComponent(p.id) + '/publish?version=' + p.version + '&base_version=' + p.base).then(function (v) {
      $('upload-form').reset();
      fileChosen();
      hidePreview();
      done('已发布《' + (v.title || p.title) + '》第 ' + v.version + ' 版。企业现在提问即可用到这份文件。', v.id);
    }, function (err) {
      btn.disabled = false;
      why.classList.add('bad');
      var text = '发布失败：' + err.message;
      var d = err.data;
      if (d && d.code === 'stale_version') {
        // Someone else published meanwhile: say what changed, and do not
        // offer to publish over it without a fresh look.
        btn.disabled = true;
        var changed = [];
        list(d.diff && d.diff.changed).forEach(function (a) { changed.push(a.label + '（修改）'); });
        list(d.diff && d.diff.added).forEach(function (a) { changed.push(a.label + '（新增）'); });
        list(d.diff && d.diff.removed).forEach(function (a) { changed.push(a.label + '（删除）'); });
        if (changed.length) text += '\n对方的改动：' + changed.join('、');
      }
      say(why, text);
    });
  }

  // done shows the documents with a message about what just changed.
  function done(text, id) {
    highlightNext = id;
    select('docs');
    var ok = $('docs-ok');
    say(ok, text);
    ok.focus();
  }

  // ---- documents ---------------------------------------------------------

  var highlightNext = null; // the document to mark when the list loads next
  var titles = {}; // document id → title, for the audit log

  function loadDocs() {
    var body = $('docs-body');
    var msg = $('docs-msg');
    var mark = highlightNext;
    highlightNext = null;
    say(msg, '');
    return api('GET', 'api/documents').then(function (res) {
      var docs = list(res && res.documents);
      docs.forEach(function (d) { titles[d.id] = d.title; });
      fillSupersedes(docs);
      clear(body);
      if (!docs.length) {
        var tr = el('tr');
        tr.appendChild(attrs(el('td', 'empty', '还没有文件。请在“上传新文件”中上传第一份政策文件。'), { colspan: '7' }));
        body.appendChild(tr);
        return;
      }
      docs.forEach(function (d) { renderDoc(body, d, mark); });
    }, function (err) {
      clear(body);
      say(msg, '文件列表加载失败：' + err.message);
    });
  }

  // fillSupersedes offers the documents in use as the one an upload
  // replaces.
  function fillSupersedes(docs) {
    var sel = $('f-supersedes');
    var keep = sel.value;
    while (sel.options.length > 1) sel.remove(1);
    docs.forEach(function (d) {
      if (!d.live) return;
      var o = el('option', null, d.title + '（' + d.id + '）');
      o.value = d.id;
      sel.appendChild(o);
    });
    sel.value = keep;
  }

  // docStatus is what the list says of a document.
  function docStatus(d) {
    var retired = day(d.retired_from);
    if (d.live && retired) return { key: 'scheduled', text: '将于 ' + retired + ' 停用' };
    if (d.status === 'retired') return { key: 'retired', text: retired ? '已停用（' + retired + ' 起）' : '已停用' };
    return { key: DOC_STATUS[d.status] ? d.status : 'other', text: DOC_STATUS[d.status] || d.status || '未知' };
  }

  function renderDoc(body, d, mark) {
    var st = docStatus(d);
    var title = d.title || d.id;
    var tr = attrs(el('tr', 'doc' + (d.id === mark ? ' just-changed' : '')), { 'data-id': d.id });

    var tdDoc = attrs(el('td'), { 'data-label': '文件' });
    tdDoc.appendChild(el('div', 'doc-title', title));
    var sub = el('div', 'doc-id', d.id);
    if (d.sample) {
      sub.appendChild(document.createTextNode(' '));
      sub.appendChild(el('span', 'pill pill-warn', '示例'));
    }
    tdDoc.appendChild(sub);
    tr.appendChild(tdDoc);
    tr.appendChild(attrs(el('td', null, category(d.category)), { 'data-label': '类别' }));
    var tdStatus = attrs(el('td'), { 'data-label': '状态' });
    tdStatus.appendChild(el('span', 'status status-' + st.key, st.text));
    if (d.draft_version) tdStatus.appendChild(el('div', 'small muted', '第 ' + d.draft_version + ' 版待发布'));
    tr.appendChild(tdStatus);
    var ver = attrs(el('td', 'num', d.current_version ? '第 ' + d.current_version + ' 版' : '—'), { 'data-label': '版本' });
    ver.appendChild(el('div', 'muted small', d.articles + ' 条'));
    tr.appendChild(ver);
    tr.appendChild(attrs(el('td', 'num small', d.effective_from || d.effective_to ? (d.effective_from || '发布之日') + ' 至 ' + (d.effective_to || '长期') : '长期'), { 'data-label': '有效期' }));
    var upd = attrs(el('td', 'small'), { 'data-label': '最近更新' });
    upd.appendChild(el('div', null, when(d.updated_at)));
    if (d.updated_by) upd.appendChild(el('div', 'muted', d.updated_by));
    tr.appendChild(upd);

    var tdAct = attrs(el('td'), { 'data-label': '操作' });
    var acts = el('div', 'row-actions');
    var detailID = 'versions-' + d.id;
    var hist = attrs(button('历史版本', 'btn btn-ghost btn-sm'), { 'aria-expanded': 'false', 'aria-controls': detailID, 'aria-label': '《' + title + '》的历史版本' });
    acts.appendChild(hist);
    if (d.draft_version) {
      acts.appendChild(attrs(button('预览并发布', 'btn btn-sm', function () {
        openDraft(d.id, d.draft_version).catch(function (err) { say($('docs-msg'), err.message); });
      }), { 'aria-label': '预览并发布《' + title + '》第 ' + d.draft_version + ' 版' }));
    }
    if (d.live) {
      acts.appendChild(attrs(el('a', 'btn btn-ghost btn-sm', '查看原文'), {
        href: new URL('../policies/' + encodeURIComponent(d.id), ROOT).href, target: '_blank', rel: 'noopener',
        'aria-label': '在新窗口查看《' + title + '》原文'
      }));
      acts.appendChild(attrs(button('停用', 'btn btn-danger btn-sm', function () { retire(d); }), { 'aria-label': '停用《' + title + '》' }));
    } else if (d.status === 'retired' && d.current_version) {
      acts.appendChild(attrs(button('重新启用', 'btn btn-ghost btn-sm', function () { rollback(d, d.current_version, true); }), { 'aria-label': '重新启用《' + title + '》' }));
    }
    tdAct.appendChild(acts);
    tr.appendChild(tdAct);
    body.appendChild(tr);

    var detail = attrs(el('tr', 'detail'), { id: detailID });
    detail.hidden = true;
    var cell = attrs(el('td'), { colspan: '7' });
    var box = el('div', 'detail-box');
    cell.appendChild(box);
    detail.appendChild(cell);
    body.appendChild(detail);
    hist.addEventListener('click', function () {
      var open = hist.getAttribute('aria-expanded') !== 'true';
      hist.setAttribute('aria-expanded', open ? 'true' : 'false');
      detail.hidden = !open;
      if (open) loadVersions(d, box);
    });
  }

  // ---- versions ----------------------------------------------------------

  function loadVersions(d, box) {
    clear(box).appendChild(el('p', 'loading', '正在加载历史版本…'));
    api('GET', 'api/documents/' + encodeURIComponent(d.id) + '/versions').then(function (res) {
      var versions = list(res && res.versions).slice().reverse(); // newest first
      clear(box);
      box.appendChild(el('h3', 'card-h', '《' + (d.title || d.id) + '》的历史版本'));
      box.appendChild(el('p', 'hint', '每次上传都生成一个新版本。下面列出每个版本比上一版新增、删除和修改的条款；可以恢复到以前发布过的版本。'));
      var ol = el('ol', 'versions');
      versions.forEach(function (v) { ol.appendChild(renderVersion(d, v, res.current)); });
      box.appendChild(ol);
    }, function (err) {
      clear(box).appendChild(attrs(el('p', 'msg msg-error', '历史版本加载失败：' + err.message), { role: 'alert' }));
    });
  }

  function renderVersion(d, v, current) {
    var inUse = v.status === 'published' && v.live;
    var li = el('li', 'version' + (inUse ? ' version-current' : ''));
    var head = el('div', 'version-head');
    head.appendChild(el('h4', null, '第 ' + v.version + ' 版'));
    var label = VERSION_STATUS[v.status] || v.status;
    if (v.status === 'published' && !v.live) label = '已停用';
    if (v.live && v.retired_from) label = '使用中，' + day(v.retired_from) + ' 起停用';
    head.appendChild(el('span', 'status status-' + (inUse ? 'published' : v.status === 'draft' ? 'draft' : 'other'), label));
    var info = [when(v.created_at), v.created_by, list(v.articles).length + ' ' + (v.cite_by === 'paragraph' ? '段' : '条')];
    if (v.based_on) info.push('恢复自第 ' + v.based_on + ' 版');
    if (v.source && v.source.name) info.push(v.source.name);
    head.appendChild(el('span', 'muted small', info.filter(Boolean).join(' · ')));

    var acts = el('div', 'row-actions');
    if (v.status === 'draft' && v.publishable) {
      acts.appendChild(button('预览并发布', 'btn btn-sm', function () {
        openDraft(d.id, v.version).catch(function (err) { say($('docs-msg'), err.message); });
      }));
    } else if (v.status === 'draft') {
      acts.appendChild(el('span', 'small bad-text', '有错误，不能发布'));
    } else if (v.published_at && !(v.version === current && inUse)) {
      acts.appendChild(button('恢复到此版本', 'btn btn-ghost btn-sm', function () { rollback(d, v.version, false); }));
    }
    if (acts.firstChild) head.appendChild(acts);
    li.appendChild(head);

    if (v.diff && v.diff.from === 0) li.appendChild(el('p', 'muted small diff', '首个版本。'));
    else if (v.diff) li.appendChild(renderDiff(v.diff));
    return li;
  }

  // renderDiff shows what changed from one version to the next: the
  // metadata fields, and the articles added, removed and changed (old
  // beside new).
  function renderDiff(diff) {
    var box = el('div', 'diff');
    var added = list(diff.added), removed = list(diff.removed), changed = list(diff.changed), fields = list(diff.fields);
    if (!added.length && !removed.length && !changed.length && !fields.length) {
      box.appendChild(el('p', 'muted small', '内容与第 ' + diff.from + ' 版相同。'));
      return box;
    }
    var summary = el('div', 'summary');
    if (added.length) summary.appendChild(el('span', 'pill pill-ok', '新增 ' + added.length + ' 条'));
    if (removed.length) summary.appendChild(el('span', 'pill pill-bad', '删除 ' + removed.length + ' 条'));
    if (changed.length) summary.appendChild(el('span', 'pill pill-warn', '修改 ' + changed.length + ' 条'));
    if (fields.length) summary.appendChild(el('span', 'pill pill-blue', '文件信息变更 ' + fields.length + ' 项'));
    box.appendChild(summary);

    if (fields.length) {
      box.appendChild(el('h5', null, '文件信息'));
      var fl = el('ul', 'diff-list');
      fields.forEach(function (f) {
        var li = el('li', 'diff-item diff-field');
        li.appendChild(el('span', 'diff-label', (FIELDS[f.field] || f.field) + '：'));
        li.appendChild(el('del', 'diff-del-inline', f.old || '（空）'));
        li.appendChild(document.createTextNode(' → '));
        li.appendChild(el('ins', 'diff-ins-inline', f.new || '（空）'));
        fl.appendChild(li);
      });
      box.appendChild(fl);
    }
    if (changed.length) {
      box.appendChild(el('h5', null, '修改的条款（左边是原来的，右边是现在的）'));
      var ul = el('ul', 'diff-list');
      changed.forEach(function (c) {
        var li = el('li', 'diff-item');
        li.appendChild(el('p', 'diff-label', c.label));
        var pair = el('div', 'diff-pair');
        pair.appendChild(side('diff-old', '原来', c.old));
        pair.appendChild(side('diff-new', '现在', c.new));
        li.appendChild(pair);
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    function side(cls, tag, a) {
      var p = el('div', cls);
      p.appendChild(el('span', 'diff-tag', tag));
      p.appendChild(el('span', 'diff-text', a ? a.text : ''));
      if (a && a.department) p.appendChild(el('span', 'diff-dept', '责任部门：' + a.department));
      return p;
    }
    function simple(title, items, cls, tag) {
      if (!items.length) return;
      box.appendChild(el('h5', null, title));
      var ul = el('ul', 'diff-list');
      items.forEach(function (a) {
        var li = el('li', 'diff-item');
        var p = el('div', cls);
        p.appendChild(el('span', 'diff-tag', tag + ' ' + a.label));
        p.appendChild(el('span', 'diff-text', a.text));
        li.appendChild(p);
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    simple('新增的条款', added, 'diff-add', '新增');
    simple('删除的条款', removed, 'diff-del', '删除');
    return box;
  }

  // ---- confirm dialog ----------------------------------------------------

  // confirmAction asks before a change. run gets the date (for a
  // retirement) and returns a promise; when it fails the dialog stays open
  // with the error.
  //
  // The dialog's listeners are installed once (initConfirm); an opening
  // only sets what they act on (confirming). So an opening that comes
  // before the close event of the last one, or a second click on the
  // button, still runs the action once.
  var confirming = null; // {opts, run, back, busy}

  function confirmAction(opts, run) {
    var dlg = $('confirm');
    var date = $('confirm-date');
    say($('confirm-h'), opts.title);
    say($('confirm-text'), opts.text);
    say($('confirm-ok'), opts.ok);
    say($('confirm-msg'), '');
    $('confirm-ok').disabled = false;
    $('confirm-date-field').hidden = !opts.date;
    if (opts.date) {
      date.value = today();
      date.removeAttribute('aria-invalid');
    }
    var back = confirming && dlg.open ? confirming.back : document.activeElement;
    confirming = { opts: opts, run: run, back: back, busy: false };
    if (!dlg.open) dlg.showModal();
    (opts.date ? date : $('confirm-cancel')).focus();
  }

  function initConfirm() {
    var dlg = $('confirm');
    var ok = $('confirm-ok');
    var msg = $('confirm-msg');
    var date = $('confirm-date');
    $('confirm-form').addEventListener('submit', function (e) {
      if (!e.submitter || e.submitter.value !== 'ok') return; // 取消 closes the dialog
      e.preventDefault();
      var c = confirming;
      if (!c || c.busy) return;
      var from = c.opts.date ? date.value : '';
      if (c.opts.date && !/^\d{4}-\d{2}-\d{2}$/.test(from)) {
        say(msg, '请选择停用日期。');
        date.setAttribute('aria-invalid', 'true');
        date.focus();
        return;
      }
      c.busy = true;
      ok.disabled = true;
      say(msg, '');
      c.run(from).then(function () {
        c.busy = false;
        if (confirming === c) dlg.close('done');
      }, function (err) {
        c.busy = false;
        if (confirming !== c) return;
        ok.disabled = false;
        say(msg, err.message);
      });
    });
    dlg.addEventListener('close', function () {
      if (dlg.open) return; // the close of an earlier opening, arriving after the next one
      var c = confirming;
      confirming = null;
      if (c && c.back && c.back.isConnected) c.back.focus();
    });
  }

  function rollback(d, n, reenable) {
    var title = d.title || d.id;
    confirmAction({
      title: reenable ? '重新启用这份文件？' : '恢复到第 ' + n + ' 版？',
      text: reenable
        ? '《' + title + '》将重新用于回答企业提问（以第 ' + n + ' 版的内容作为新版本发布）。'
        : '《' + title + '》将恢复为第 ' + n + ' 版的内容并立即发布（作为一个新版本），企业提问将按这些内容回答。现在的版本会保留在历史版本中，之后还可以再恢复。',
      ok: reenable ? '重新启用' : '恢复并发布'
    }, function () {
      return api('POST', 'api/documents/' + encodeURIComponent(d.id) + '/rollback?version=' + n).then(function (v) {
        done(reenable ? '已重新启用《' + title + '》（第 ' + v.version + ' 版）。' : '已将《' + title + '》恢复为第 ' + n + ' 版的内容，作为第 ' + v.version + ' 版发布。', d.id);
      });
    });
  }

  function retire(d) {
    var title = d.title || d.id;
    confirmAction({
      title: '停用这份文件？',
      text: '从所选日期起，不再用《' + title + '》回答企业提问。文件和历史版本会保留，需要时可以“重新启用”。',
      ok: '确定停用',
      date: true
    }, function (from) {
      return api('POST', 'api/documents/' + encodeURIComponent(d.id) + '/retire?from=' + encodeURIComponent(from)).then(function () {
        done(from > today() ? '《' + title + '》将于 ' + from + ' 起停用。' : '已停用《' + title + '》。', d.id);
      });
    });
  }

  // ---- audit log ---------------------------------------------------------

  function auditVersion(e) {
    if ((e.action === 'publish' || e.action === 'rollback') && e.from_version) return '第 ' + e.from_version + ' 版 → 第 ' + e.to_version + ' 版';
    return e.version ? '第 ' + e.version + ' 版' : '';
  }

  function loadAudit() {
    var body = $('audit-body');
    var msg = $('audit-msg');
    say(msg, '');
    api('GET', 'api/audit?limit=500').then(function (res) {
      var entries = list(res && res.entries);
      clear(body);
      if (!entries.length) {
        var tr = el('tr');
        tr.appendChild(attrs(el('td', 'empty', '暂无操作记录。'), { colspan: '6' }));
        body.appendChild(tr);
        return;
      }
      entries.forEach(function (e) {
        var tr = el('tr');
        tr.appendChild(el('td', 'num small', when(e.at)));
        tr.appendChild(el('td', null, e.who));
        tr.appendChild(el('td', 'num', ACTIONS[e.action] || e.action));
        var doc = el('td');
        if (titles[e.doc]) doc.appendChild(el('div', null, titles[e.doc]));
        doc.appendChild(el('div', 'doc-id', e.doc));
        tr.appendChild(doc);
        tr.appendChild(el('td', 'num small', auditVersion(e)));
        tr.appendChild(el('td', 'small', (e.detail_zh || e.detail || '')));
        body.appendChild(tr);
      });
    }, function (err) {
      clear(body);
      say(msg, '操作记录加载失败：' + err.message);
    });
  }

  // ---- insights ----------------------------------------------------------

  function initInsights() {
    var form = $('insights-form');
    var days = $('insights-days');
    function csv() {
      $('insights-csv').href = new URL('api/insights?days=' + encodeURIComponent(days.value) + '&format=csv', ROOT).href;
    }
    csv();
    days.addEventListener('change', function () {
      csv();
      loadInsights();
    });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      loadInsights();
    });
  }

  // clipped shows text typed by the public in at most max characters, the
  // rest behind a 展开全文 toggle: one pasted page of junk must not bury
  // the other groups.
  var CLIP = 120;
  function clipped(tag, cls, text, prefix) {
    text = String(text || '');
    var n = el(tag, cls);
    var chars = Array.from(text);
    if (chars.length <= CLIP) {
      n.textContent = (prefix || '') + text;
      return n;
    }
    n.appendChild(document.createTextNode((prefix || '') + chars.slice(0, CLIP).join('') + '…'));
    var more = el('details', 'more');
    more.appendChild(el('summary', null, '展开全文（共 ' + chars.length + ' 字）'));
    more.appendChild(el('p', 'full', text));
    n.appendChild(more);
    return n;
  }

  // loadMatchInsights shows what the policy matchings of the period say
  // the corpus or the form is missing.
  function loadMatchInsights(days) {
    var empty = clear($('match-insights-empty'));
    var unknown = clear($('match-insights-unknown'));
    var summary = clear($('match-insights-summary'));
    var msg = $('match-insights-msg');
    say(msg, '');
    api('GET', 'api/insights/matches?days=' + encodeURIComponent(days)).then(function (res) {
      res = res || {};
      summary.appendChild(el('span', 'pill', '政策匹配 ' + (res.matchings || 0) + ' 次，其中一项都没匹配到 ' + (res.no_match || 0) + ' 次'));
      var es = list(res.empty_profiles);
      if (!es.length) empty.appendChild(el('li', 'empty', '这段时间没有一项都没匹配到的企业。'));
      es.forEach(function (p) {
        var li = el('li', 'group');
        var head = el('div', 'group-head');
        head.appendChild(clipped('div', 'group-q', p.profile));
        head.appendChild(el('span', 'count', p.count + ' 次'));
        if (p.last_at) head.appendChild(el('span', 'muted small', '最近：' + when(p.last_at)));
        li.appendChild(head);
        empty.appendChild(li);
      });
      var us = list(res.unknown_conditions);
      if (!us.length) unknown.appendChild(el('li', 'empty', '这段时间没有待确认的条件。'));
      us.forEach(function (c) {
        var li = el('li', 'group');
        var head = el('div', 'group-head');
        head.appendChild(clipped('div', 'group-q', c.condition));
        head.appendChild(el('span', 'count', c.count + ' 次'));
        li.appendChild(head);
        unknown.appendChild(li);
      });
    }, function (err) {
      say(msg, '政策匹配分析加载失败：' + err.message);
    });
  }

  function loadInsights() {
    var days = $('insights-days').value;
    loadMatchInsights(days);
    var out = clear($('insights-list'));
    var summary = clear($('insights-summary'));
    var msg = $('insights-msg');
    say(msg, '');
    out.appendChild(el('li', 'loading', '正在统计…'));
    api('GET', 'api/insights?days=' + encodeURIComponent(days)).then(function (res) {
      var groups = list(res && res.groups);
      clear(out);
      var total = groups.reduce(function (s, g) { return s + g.count; }, 0);
      summary.appendChild(el('span', 'pill pill-warn', '未解决的提问 ' + total + ' 次，归为 ' + groups.length + ' 类'));
      if (!groups.length) {
        out.appendChild(el('li', 'empty', '这段时间没有未能回答或不满意的提问。'));
        return;
      }
      groups.forEach(function (g) {
        var li = el('li', 'group');
        var head = el('div', 'group-head');
        head.appendChild(clipped('div', 'group-q', g.question));
        head.appendChild(el('span', 'count', g.count + ' 次'));
        if (g.refused) head.appendChild(el('span', 'pill pill-warn', '未能回答 ' + g.refused));
        if (g.thumbs_down) head.appendChild(el('span', 'pill pill-bad', '不满意 ' + g.thumbs_down));
        if (g.last_at) head.appendChild(el('span', 'muted small', '最近：' + when(g.last_at)));
        li.appendChild(head);
        var more = list(g.examples).filter(function (x) { return x !== g.question; });
        if (more.length) {
          var ul = attrs(el('ul', 'examples'), { 'aria-label': '相近的问法' });
          more.forEach(function (x) { ul.appendChild(clipped('li', null, x)); });
          li.appendChild(ul);
        }
        if (list(g.comments).length) {
          var cl = attrs(el('ul', 'examples comments'), { 'aria-label': '企业留言' });
          g.comments.forEach(function (x) { cl.appendChild(clipped('li', null, x, '留言：')); });
          li.appendChild(cl);
        }
        out.appendChild(li);
      });
    }, function (err) {
      clear(out);
      say(msg, '统计加载失败：' + err.message);
    });
  }

  // ---- start -------------------------------------------------------------

  function start() {
    initLogin();
    initLogout();
    if (!$('upload-form')) return; // signed out
    loaders.docs = loadDocs;
    loaders.audit = loadAudit;
    loaders.insights = loadInsights;
    $('docs-refresh').addEventListener('click', function () {
      say($('docs-ok'), '');
      loadDocs();
    });
    $('audit-refresh').addEventListener('click', loadAudit);
    initUpload();
    initConfirm();
    initInsights();
    initTabs();
    if (location.hash !== '#docs') loadDocs(); // fills the "replaces" choice of the upload form
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
