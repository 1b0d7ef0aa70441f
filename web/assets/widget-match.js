/*
 * PolicyBot widget: the 政策匹配 (policy matching) view. widget.js loads this
 * file the first time the view is opened and calls
 * window.PolicyBotMatch.mount(container, api): a short form and a free-text
 * box, sent to POST /api/match; the result as cards, each with its article
 * linked, the estimate and its working, what is left to confirm, the
 * department and deadline, and the clause.
 *
 * As in widget.js, everything the server sends is untrusted text: written
 * with textContent only, links limited to http(s).
 */
(function () {
  'use strict';
  if (window.PolicyBotMatch) return;

  var MAX_TEXT = 2000;
  var CATEGORIES = [
    ['', '请选择'], ['manufacturing', '制造业'], ['commerce', '商务（商贸、外贸、电商）'],
    ['culture-sports-tourism', '文化、体育、旅游'], ['other', '其他']
  ];
  var INVESTMENTS = [
    ['equipment', '设备投资'], ['digital', '智改数转（设备和软件）'], ['energy', '节能降碳技术改造'], ['culture', '文化旅游项目']
  ];
  var STATUS = { matched: '符合条件', possible: '待确认条件', not_matched: '不符合' };
  var CATEGORY_NAMES = { manufacturing: '制造业', commerce: '商务', 'culture-sports-tourism': '文体旅', other: '其他' };
  // Labels of the figures the server may return in understood.figures.
  var FIGURES = {
    revenue_yuan: ['年营业收入', '元'], equipment_investment_yuan: ['设备投资', '元'], digital_investment_yuan: ['智改数转投入', '元'],
    energy_investment_yuan: ['节能降碳投入', '元'], culture_investment_yuan: ['文旅项目投资', '元'],
    import_export_usd: ['进出口额', '美元'], import_export_growth_usd: ['进出口增量', '美元'], cross_border_usd: ['跨境电商进出口额', '美元'],
    offshore_outsourcing_usd: ['离岸服务外包', '美元'], foreign_capital_usd: ['实际到账外资', '美元'], online_retail_yuan: ['网络零售额', '元'],
    booth_fee_yuan: ['境外展会展位费', '元'], credit_insurance_premium_yuan: ['出口信用保险保费', '元'],
    warehouse_area_sqm: ['海外仓面积', '平方米'], warehouse_investment_yuan: ['海外仓投入', '元'], store_area_sqm: ['首店面积', '平方米'],
    tickets: ['单场售票', '张'], tourists_overnight: ['过夜游客', '人次'], procurement_increase_yuan: ['新增本地采购', '元'],
    first_set_sales_yuan: ['首台套销售额', '元'], operating_years: ['经营年限', '年']
  };

  // amount writes a figure as the measures do: 20万元, 1.2亿元, 3000平方米.
  function amount(v, unit) {
    if (typeof v !== 'number' || !isFinite(v)) return '';
    var n = Math.abs(v);
    function trim(x) { return String(Math.round(x * 100) / 100); }
    if (n >= 1e8 && Math.round(v / 1e6) === v / 1e6) return trim(v / 1e8) + '亿' + unit;
    if (n >= 1e4 && Math.round(v / 100) === v / 100) return trim(v / 1e4) + '万' + unit;
    return trim(v) + unit;
  }

  function str(v) { return typeof v === 'string' ? v : ''; }

  function mount(box, api) {
    var el = api.el, attrs = api.attrs;
    var form = attrs(el('form', 'pb-mform'), { novalidate: '', 'aria-labelledby': 'pb-m-h' });
    form.appendChild(attrs(el('h3', 'pb-mh', '政策匹配'), { id: 'pb-m-h' }));
    form.appendChild(el('p', 'pb-mintro', '填写企业情况，列出可能适用的政策和测算金额（仅为估算，以主管部门审核为准）。不确定的可以不填。'));

    function field(id, label, input) {
      var row = el('div', 'pb-mfield');
      row.appendChild(attrs(el('label', 'pb-mlabel', label), { 'for': id }));
      input.id = id;
      row.appendChild(input);
      form.appendChild(row);
      return input;
    }
    function select(options) {
      var s = el('select', 'pb-minput');
      options.forEach(function (o) {
        var opt = el('option', null, o[1]);
        opt.value = o[0];
        s.appendChild(opt);
      });
      return s;
    }
    function number(placeholder) {
      return attrs(el('input', 'pb-minput'), { type: 'number', min: '0', step: 'any', inputmode: 'decimal', placeholder: placeholder });
    }

    var region = field('pb-m-region', '注册地（区、县）', attrs(el('input', 'pb-minput'), { type: 'text', placeholder: '吴中区', autocomplete: 'off', maxlength: '30' }));
    var category = field('pb-m-category', '所属行业', select(CATEGORIES));
    var revenue = field('pb-m-revenue', '年营业收入（万元）', number('例如 80000'));
    var invest = field('pb-m-invest', '今年投资金额（万元）', number('例如 3000'));
    var investKind = field('pb-m-invest-kind', '投资类型', select(INVESTMENTS));
    var titles = field('pb-m-titles', '已获资质和级别', attrs(el('input', 'pb-minput'), {
      type: 'text', maxlength: '200', autocomplete: 'off', placeholder: '如：今年新评省级专精特新、4A景区'
    }));
    var text = field('pb-m-text', '其他情况（也可以直接用一段话描述）', attrs(el('textarea', 'pb-minput pb-mtext'), {
      rows: '3', maxlength: String(MAX_TEXT),
      placeholder: '例如：我们是吴中一家做精密零部件的规上企业，去年营收8亿，今年设备投了3000万，刚评上省级专精特新'
    }));
    var actions = el('div', 'pb-mactions');
    var submit = attrs(el('button', 'pb-msubmit', '开始匹配'), { type: 'submit' });
    var back = attrs(el('button', 'pb-mback', '返回对话'), { type: 'button' });
    actions.appendChild(submit);
    actions.appendChild(back);
    form.appendChild(actions);
    var error = attrs(el('p', 'pb-merror'), { role: 'alert' });
    error.hidden = true;
    form.appendChild(error);
    var result = attrs(el('div', 'pb-mresult'), { 'aria-live': 'polite' });

    box.appendChild(form);
    box.appendChild(result);

    back.addEventListener('click', function () { api.onBack(); });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      send();
    });

    // request builds the body of POST /api/match from the form: the fields
    // that map to a profile, and the titles with the free text as text
    // (the server reads designations from words).
    function request() {
      var profile = {};
      var r = region.value.trim();
      if (r) profile.region = r;
      if (category.value) profile.category = category.value;
      var rev = parseFloat(revenue.value);
      if (rev > 0) profile.figures = { revenue_yuan: rev * 1e4 };
      var inv = parseFloat(invest.value);
      if (inv > 0) profile.projects = [{ kinds: [investKind.value], amount_yuan: inv * 1e4 }];
      var t = [titles.value.trim(), text.value.trim()].filter(Boolean).join('，');
      var body = {};
      if (Object.keys(profile).length) body.profile = profile;
      if (t) body.text = t.slice(0, MAX_TEXT);
      return body;
    }

    var busy = false;
    function send() {
      if (busy) return;
      var body = request();
      if (!body.profile && !body.text) {
        showError('请至少填写一项企业情况，或用一段话描述。');
        return;
      }
      busy = true;
      submit.disabled = true;
      submit.textContent = '正在匹配…';
      error.hidden = true;
      result.setAttribute('aria-busy', 'true');
      fetch(api.endpoint('api/match'), {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (j) {
          if (!res.ok) {
            showError(str(j && j.error_zh) || (res.status === 429 ? '提交太频繁了，请稍后再试。' : '匹配失败，请稍后再试。'));
            return;
          }
          render(j || {});
        });
      }).catch(function () {
        showError('网络连接异常，请检查网络后重试。');
      }).then(function () {
        busy = false;
        submit.disabled = false;
        submit.textContent = '开始匹配';
        result.setAttribute('aria-busy', 'false');
      });
    }

    function showError(msg) {
      error.textContent = msg;
      error.hidden = false;
    }

    function understoodText(u) {
      var parts = [];
      if (!u || typeof u !== 'object') return '';
      if (str(u.region)) parts.push(u.region);
      if (CATEGORY_NAMES[u.category]) parts.push(CATEGORY_NAMES[u.category]);
      (Array.isArray(u.designations) ? u.designations : []).forEach(function (d) {
        if (!d || typeof d !== 'object') return;
        var s = str(d.tier) + str(d.name);
        if (d['new'] === true) s += '（新获）';
        if (str(d.former_tier)) s += '（原' + d.former_tier + '）';
        parts.push(s);
      });
      var figs = u.figures && typeof u.figures === 'object' ? u.figures : {};
      Object.keys(figs).forEach(function (k) {
        var f = FIGURES[k];
        if (f) parts.push(f[0] + amount(figs[k], f[1]));
      });
      (Array.isArray(u.projects) ? u.projects : []).forEach(function (p) {
        if (p && typeof p.amount_yuan === 'number') parts.push('投资' + amount(p.amount_yuan, '元'));
      });
      (Array.isArray(u.events) ? u.events : []).forEach(function (e) {
        if (e && typeof e === 'object') parts.push('活动：' + str(e.tier) + str(e.name));
      });
      return parts.join(' · ');
    }

    function render(j) {
      while (result.firstChild) result.removeChild(result.firstChild);
      var matches = Array.isArray(j.matches) ? j.matches.filter(function (m) { return m && typeof m === 'object'; }) : [];
      var summary = attrs(el('div', 'pb-msummary'), { role: 'status' });
      var total = el('p', 'pb-mtotal');
      total.appendChild(el('span', null, '测算合计：'));
      total.appendChild(el('strong', 'pb-mtotal-v', amount(typeof j.total_estimate_yuan === 'number' ? j.total_estimate_yuan : 0, '元')));
      summary.appendChild(total);
      if (str(j.total_note)) summary.appendChild(el('p', 'pb-mnote', j.total_note));
      var u = understoodText(j.understood);
      summary.appendChild(el('p', 'pb-munderstood', '已识别：' + (u || '未识别到企业信息，请补充资质、营收、投资等情况。')));
      summary.appendChild(el('p', 'pb-mcount', matches.length ? '找到' + matches.length + '项可能适用的政策。' : '没有找到可匹配的条款。'));
      result.appendChild(summary);

      var list = attrs(el('ol', 'pb-mcards'), { 'aria-label': '匹配结果' });
      matches.forEach(function (m) { list.appendChild(card(m)); });
      if (matches.length) result.appendChild(list);
      (Array.isArray(j.notes) ? j.notes : []).forEach(function (n) {
        if (typeof n === 'string') result.appendChild(el('p', 'pb-mexcl', '不享受情形：' + n));
      });
      if (str(j.notice)) {
        var notice = attrs(el('p', 'pb-notice'), { role: 'note' });
        notice.appendChild(api.icon('info'));
        notice.appendChild(el('span', null, j.notice));
        result.appendChild(notice);
      }
      // Bring the result into view within the view itself (never the
      // panel, whose header must stay).
      box.scrollTop += result.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    }

    function card(m) {
      var status = STATUS[m.status] ? m.status : 'possible';
      var li = attrs(el('li', 'pb-mcard'), { 'data-status': status });
      li.appendChild(el('p', 'pb-mbadge', STATUS[status]));
      var h = el('h4', 'pb-mtitle');
      var label = '《' + (str(m.title) || str(m.doc)) + '》' + (str(m.label) || ('第' + m.article + '条'));
      var href = api.safeURL(m.url);
      if (href) {
        var a = attrs(el('a', 'pb-cite-link'), { href: href, target: '_blank', rel: 'noopener' });
        a.appendChild(el('span', null, label));
        a.appendChild(api.icon('link'));
        a.appendChild(el('span', 'pb-sr', '（在新窗口打开原文）'));
        h.appendChild(a);
      } else {
        h.textContent = label;
      }
      li.appendChild(h);
      if (str(m.event)) li.appendChild(el('p', 'pb-mevent', '活动：' + m.event));
      if (str(m.subject)) li.appendChild(el('p', 'pb-msubject', m.subject));
      var est = el('p', 'pb-mest');
      if (typeof m.estimate_yuan === 'number') {
        est.appendChild(el('span', null, status === 'matched' ? '测算金额：' : '若条件满足，测算金额：'));
        est.appendChild(el('strong', 'pb-mest-v', amount(m.estimate_yuan, '元')));
        if (!m.counted && status === 'matched') est.appendChild(el('span', 'pb-mnot', '（未计入合计）'));
      } else if (m.estimate && typeof m.estimate.value === 'number') {
        est.appendChild(el('span', null, '测算：'));
        est.appendChild(el('strong', 'pb-mest-v', amount(m.estimate.value, str(m.estimate.unit))));
        est.appendChild(el('span', 'pb-mnot', '（按折算后金额核定，未计入合计）'));
      } else {
        est.textContent = '金额：按条款核定，无法测算';
      }
      li.appendChild(est);
      if (str(m.working)) li.appendChild(el('p', 'pb-mwork', m.working));
      if (str(m.stacking)) li.appendChild(el('p', 'pb-mstack', '叠加规则：' + m.stacking));
      var conds = Array.isArray(m.conditions) ? m.conditions.filter(function (c) { return typeof c === 'string'; }) : [];
      if (conds.length) {
        li.appendChild(el('p', 'pb-mconds-h', '还需确认：'));
        var ul = el('ul', 'pb-mconds');
        conds.forEach(function (c) { ul.appendChild(el('li', null, c)); });
        li.appendChild(ul);
      }
      if (str(m.quote)) li.appendChild(el('blockquote', 'pb-quote', m.quote));
      var meta = [];
      if (str(m.department)) meta.push('责任部门：' + m.department);
      if (str(m.deadline)) meta.push('申报：' + m.deadline);
      if (meta.length) li.appendChild(el('p', 'pb-mmeta', meta.join(' · ')));
      return li;
    }

    return { focus: function () { region.focus(); } };
  }

  window.PolicyBotMatch = { mount: mount };
})();
