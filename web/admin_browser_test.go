package web_test

// The admin page in a real browser: sign in, upload a Word file, check the
// preview, publish. Same rules as browser_test.go: skipped without
// /usr/bin/chromium, required when CI=true; screenshots go to
// $POLICYBOT_ARTIFACTS.

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"policybot/corpus/record"
	"policybot/web"
)

// cspWatch records the page's Content-Security-Policy violations: an
// inline script or style the admin page must not have.
const cspWatch = `
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
`

// TestBrowserAdmin is an official's first upload: a wrong token is
// refused, the right one signs in, a Word file with its metadata typed in
// the form is previewed article by article (markup in the text shown as
// text), published and listed; a file with injected spam cannot be
// published; signing out ends the session.
func TestBrowserAdmin(t *testing.T) {
	ctx := newTab(t)
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspWatch})
		return err
	})); err != nil {
		t.Fatalf("install the CSP watch: %v", err)
	}
	env := startAdminServer(t, web.AdminDeps{})
	dir := t.TempDir()
	docx := filepath.Join(dir, "测试产业政策.docx")
	if err := os.WriteFile(docx, adminPolicyDocx(t), 0o644); err != nil {
		t.Fatal(err)
	}
	spam := filepath.Join(dir, "wz-spam-2026.md")
	if err := os.WriteFile(spam, []byte(spamPolicy), 0o644); err != nil {
		t.Fatal(err)
	}

	do(t, ctx, "open /admin", chromedp.EmulateViewport(1280, 1000), chromedp.Navigate(env.URL+"/admin"))
	waitFor(t, ctx, "the token field focused", `document.activeElement === document.getElementById('token')`)

	// A wrong token: a message on the page, and no session.
	do(t, ctx, "type a wrong token", chromedp.KeyEvent("not-the-token-0123456789"), pressEnter(false))
	waitFor(t, ctx, "the sign-in error", `document.getElementById('login-msg').textContent !== ''`)
	if msg := eval[string](t, ctx, `document.getElementById('login-msg').textContent`); msg != "管理令牌不正确，请核对后重新输入。" {
		t.Errorf("wrong token shows %q, want the server's error_zh", msg)
	}
	if got := eval[map[string]any](t, ctx, `({form: !!document.getElementById('login-form'), app: !!document.getElementById('upload-form'),
		invalid: document.getElementById('token').getAttribute('aria-invalid'), focused: document.activeElement.id})`); got["form"] != true || got["app"] != false || got["invalid"] != "true" || got["focused"] != "token" {
		t.Errorf("after a wrong token: %v, want the sign-in form still there, the field marked invalid and focused", got)
	}
	if c := adminCookies(t, ctx, env.URL); len(c) != 0 {
		t.Errorf("after a wrong token the browser holds cookies %v, want none", c)
	}
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch('/admin/api/documents').then(function (r) { return r.status; })`, chromedp.EvalAwaitPromise))
	if err != nil || status != 401 {
		t.Errorf("GET /admin/api/documents after a wrong token = %v, %v; want 401", status, err)
	}

	// The right token signs in.
	signIn(t, ctx)
	if name := eval[string](t, ctx, `document.getElementById('who-name').textContent`); name != "chen" {
		t.Errorf("signed in as %q, want chen", name)
	}
	cookies := adminCookies(t, ctx, env.URL)
	if len(cookies) != 1 || !cookies[0].HTTPOnly || cookies[0].SameSite != network.CookieSameSiteStrict {
		t.Errorf("session cookies = %v, want one HttpOnly SameSite=Strict cookie", cookies)
	}
	if jsCookies := eval[string](t, ctx, `document.cookie`); jsCookies != "" {
		t.Errorf("document.cookie = %q: the session cookie must not be readable by scripts", jsCookies)
	}

	// Upload the Word file with the metadata it lacks.
	do(t, ctx, "choose the file", chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{docx}))
	waitFor(t, ctx, "the file named", `document.getElementById('file-name').textContent.indexOf('测试产业政策.docx') >= 0`)
	typeInto(t, ctx, "f-id", "wz-test-2026")
	typeInto(t, ctx, "f-title", "关于支持吴中区测试产业发展的若干措施（示例文本）")
	do(t, ctx, "choose the category", chromedp.SetValue(chromedp.ID("f-category"), "manufacturing"))
	typeInto(t, ctx, "f-lead", "区工业和信息化局")
	clickOn(t, ctx, "#f-sample")
	do(t, ctx, "scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	shot(t, ctx, "admin-upload")
	clickOn(t, ctx, "#upload-btn")
	waitFor(t, ctx, "the preview", `!document.getElementById('preview').hidden && document.querySelectorAll('#preview-articles .article').length > 0`)
	shot(t, ctx, "admin-preview")

	pv := eval[map[string]any](t, ctx, `(function () {
		var arts = Array.prototype.slice.call(document.querySelectorAll('#preview-articles .article'));
		return {
			title: document.getElementById('preview-h').textContent,
			labels: arts.map(function (a) { return a.querySelector('.article-label').textContent; }).join(' '),
			chapters: Array.prototype.map.call(document.querySelectorAll('#preview-articles .chapter'), function (c) { return c.textContent; }).join(' '),
			text4: arts[3] ? arts[3].querySelector('.article-text').textContent : '',
			dept3: arts[2] && arts[2].querySelector('.article-dept') ? arts[2].querySelector('.article-dept').textContent : '',
			problems: document.querySelectorAll('#preview .problems:not(.problem-warn), #preview .has-problem').length,
			injected: document.querySelectorAll('#preview img, #preview script, #preview b').length,
			xss: typeof window.__xss,
			publish: !document.getElementById('publish-btn').disabled,
			step: document.querySelector('.steps [aria-current="step"]').id
		};
	})()`)
	want := map[string]any{
		"title":    "预览：关于支持吴中区测试产业发展的若干措施（示例文本）",
		"labels":   "第1条 第2条 第3条 第4条 第5条",
		"chapters": "总则 支持措施 附则",
		"text4":    "申报系统中的示例标记" + xssImg + "<b>加粗</b>应按原文显示。",
		"dept3":    "责任部门：区工信局",
		"problems": 0.0, "injected": 0.0, "xss": "undefined", "publish": true, "step": "step-2",
	}
	for k, v := range want {
		if pv[k] != v {
			t.Errorf("preview %s = %#v, want %#v", k, pv[k], v)
		}
	}

	// Publish: the list shows the document, published.
	clickOn(t, ctx, "#publish-btn")
	row := `document.querySelector('#docs-body tr.doc[data-id="wz-test-2026"]')`
	waitFor(t, ctx, "the document listed as published", `document.getElementById('tab-docs').getAttribute('aria-selected') === 'true' && `+row+` && `+row+`.querySelector('.status-published')`)
	shot(t, ctx, "admin-published")
	listed := eval[map[string]string](t, ctx, `(function (r) {
		return {
			status: r.querySelector('.status').textContent,
			version: r.querySelector('[data-label="版本"]').textContent,
			category: r.querySelector('[data-label="类别"]').textContent,
			sample: r.querySelector('.pill') ? r.querySelector('.pill').textContent : '',
			ok: document.getElementById('docs-ok').textContent,
			focused: document.activeElement.id
		};
	})(`+row+`)`)
	wantRow := map[string]string{"status": "已发布", "version": "第 1 版5 条", "category": "制造业", "sample": "示例",
		"ok": "已发布《关于支持吴中区测试产业发展的若干措施（示例文本）》第 1 版。企业现在提问即可用到这份文件。", "focused": "docs-ok"}
	for k, v := range wantRow {
		if listed[k] != v {
			t.Errorf("listed document %s = %q, want %q", k, listed[k], v)
		}
	}
	docs, err := env.svc.Documents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	published := false
	for _, d := range docs {
		if d.ID == "wz-test-2026" {
			published = d.Status == record.Published && d.Live && d.Current == 1 && d.UpdatedBy == "chen"
		}
	}
	if !published {
		t.Errorf("the corpus service does not have wz-test-2026 v1 live, published by chen: %+v", docs)
	}

	// Its history: one version, in use, with nothing to roll back to.
	clickOn(t, ctx, `#docs-body tr.doc[data-id="wz-test-2026"] [aria-controls="versions-wz-test-2026"]`)
	waitFor(t, ctx, "the versions", `document.querySelector('#versions-wz-test-2026 .version')`)
	if v := eval[string](t, ctx, `document.querySelector('#versions-wz-test-2026 .version-head').textContent`); !strings.Contains(v, "第 1 版") || !strings.Contains(v, "使用中") || strings.Contains(v, "恢复") {
		t.Errorf("version history = %q, want 第 1 版, in use, without a rollback", v)
	}

	// A file with injected spam: the problem in red, no publishing.
	clickOn(t, ctx, "#tab-upload")
	do(t, ctx, "choose the spam file", chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{spam}))
	clickOn(t, ctx, "#upload-btn")
	waitFor(t, ctx, "the refused preview", `!document.getElementById('preview').hidden && document.querySelector('#preview .problems')`)
	bad := eval[map[string]any](t, ctx, `({
		alert: document.querySelector('#preview .msg-error').textContent,
		marked: Array.prototype.map.call(document.querySelectorAll('#preview .has-problem mark.bad'), function (m) { return m.textContent; }).join(' '),
		listed: document.querySelector('#preview .problems li mark.bad').textContent,
		red: getComputedStyle(document.querySelector('#preview .has-problem mark.bad')).color,
		publish: document.getElementById('publish-btn').disabled
	})`)
	if !strings.Contains(bad["alert"].(string), "垃圾信息") || bad["marked"] != "澳门葡京" || bad["listed"] != "澳门葡京" || bad["publish"] != true || bad["red"] != "rgb(180, 35, 24)" {
		t.Errorf("spam preview = %v, want the error_zh, 澳门葡京 marked in red in its article and the list, publishing disabled", bad)
	}
	shot(t, ctx, "admin-rejected")

	// Narrow screens: nothing wider than the phone.
	do(t, ctx, "phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	clickOn(t, ctx, "#tab-docs")
	waitFor(t, ctx, "the list on a phone", row+` && `+row+`.getBoundingClientRect().width > 0`)
	if w := eval[map[string]float64](t, ctx, `({scroll: document.documentElement.scrollWidth, inner: innerWidth})`); w["scroll"] > w["inner"] {
		t.Errorf("the admin page on a phone is %v px wide, the screen %v px", w["scroll"], w["inner"])
	}
	shot(t, ctx, "admin-phone")
	do(t, ctx, "desktop viewport", chromedp.EmulateViewport(1280, 1000))

	// Signing out ends the session.
	clickOn(t, ctx, "#logout")
	waitPage(t, ctx, "signed out", `document.getElementById('login-form') && document.querySelector('meta[name="csrf-token"]').content === ''`)
	if c := adminCookies(t, ctx, env.URL); len(c) != 0 {
		t.Errorf("after signing out the browser holds cookies %v, want none", c)
	}
	if v := eval[[]string](t, ctx, `window.__cspViolations`); len(v) != 0 {
		t.Errorf("Content-Security-Policy violations: %q", v)
	}
}

// TestBrowserAdminHistory is the life of a document after its first
// upload: a draft left unpublished is found in the list, previewed with
// what changed and published; the history shows the changed article old
// beside new; a rollback and a retirement go through their confirmation
// dialogs; the audit log and the insights show what happened.
func TestBrowserAdminHistory(t *testing.T) {
	ctx := newTab(t)
	env := startAdminServer(t, web.AdminDeps{})
	wantStatus(t, env.upload(t, liToken, "?publish=1", "ocean.md", oceanDoc("wz-ocean", oceanV1), nil), http.StatusCreated, "upload v1")
	wantStatus(t, env.upload(t, liToken, "", "ocean-v2.docx.md", oceanDoc("wz-ocean", oceanV2), nil), http.StatusCreated, "upload v2")
	// Questions the corpus cannot answer, and a 👎 with a comment.
	env.ask(t, "人才公寓怎么申请？")
	env.ask(t, "人才公寓如何申请")
	good := env.ask(t, qLittleGiant)
	fb, _ := json.Marshal(map[string]string{"message_id": good.MessageID, "rating": "down", "comment": "<b>金额不对</b>"})
	wantStatus(t, env.request(t, http.MethodPost, "/api/feedback", bytes.NewReader(fb), "Content-Type", "application/json"), http.StatusOK, "feedback")

	do(t, ctx, "open /admin#docs", chromedp.EmulateViewport(1280, 1000), chromedp.Navigate(env.URL+"/admin#docs"))
	waitFor(t, ctx, "the sign-in form", `document.getElementById('token')`)
	signIn(t, ctx)
	row := `document.querySelector('#docs-body tr.doc[data-id="wz-ocean"]')`
	waitFor(t, ctx, "the documents, after signing in", `document.getElementById('tab-docs').getAttribute('aria-selected') === 'true' && `+row)
	if st := eval[string](t, ctx, row+`.querySelector('[data-label="状态"]').textContent`); st != "已发布第 2 版待发布" {
		t.Errorf("wz-ocean status = %q, want published with version 2 waiting", st)
	}

	// The waiting draft: previewed with its change, then published.
	clickOn(t, ctx, `#docs-body tr.doc[data-id="wz-ocean"] .row-actions .btn:not(.btn-ghost)`)
	waitFor(t, ctx, "the draft's preview", `!document.getElementById('preview').hidden && document.querySelector('#preview .changes')`)
	change := eval[map[string]string](t, ctx, `({
		head: document.querySelector('#preview .changes .card-h').textContent,
		old: document.querySelector('#preview .changes .diff-old .diff-text').textContent,
		new: document.querySelector('#preview .changes .diff-new .diff-text').textContent
	})`)
	if change["head"] != "与正在使用的第 1 版相比" || !strings.Contains(change["old"], "30%") || !strings.Contains(change["new"], "40%") {
		t.Errorf("draft preview change = %v, want article 2 from 30%% to 40%% against version 1", change)
	}
	clickOn(t, ctx, "#publish-btn")
	waitFor(t, ctx, "version 2 published", row+` && `+row+`.querySelector('[data-label="版本"]').textContent === '第 2 版2 条' && !`+row+`.querySelector('[data-label="状态"] .muted')`)

	// The history: version 2 in use, its change old beside new; version 1
	// can be restored.
	clickOn(t, ctx, `[aria-controls="versions-wz-ocean"]`)
	waitFor(t, ctx, "the history", `document.querySelectorAll('#versions-wz-ocean .version').length === 2`)
	hist := eval[map[string]string](t, ctx, `(function () {
		var vs = document.querySelectorAll('#versions-wz-ocean .version');
		return {
			v2: vs[0].querySelector('.version-head').textContent,
			v1: vs[1].querySelector('.version-head').textContent,
			changed: vs[0].querySelector('.diff-item .diff-label').textContent,
			old: vs[0].querySelector('.diff-old .diff-text').textContent,
			new: vs[0].querySelector('.diff-new .diff-text').textContent
		};
	})()`)
	if !strings.Contains(hist["v2"], "第 2 版使用中") || strings.Contains(hist["v2"], "恢复") || !strings.Contains(hist["v1"], "第 1 版历史版本") || !strings.Contains(hist["v1"], "恢复到此版本") ||
		hist["changed"] != "第2条" || !strings.HasPrefix(hist["old"], "企业购置深海养殖网箱的，按购置金额的30%") || !strings.HasPrefix(hist["new"], "企业购置深海养殖网箱的，按购置金额的40%") {
		t.Errorf("history = %v, want v2 in use with 第2条 changed 30%% → 40%%, v1 restorable", hist)
	}
	do(t, ctx, "scroll to the history", chromedp.Evaluate[chromedp.Void](`document.getElementById('versions-wz-ocean').scrollIntoView({block: 'center'})`))
	shot(t, ctx, "admin-history")

	// Rollback: Escape cancels; 恢复并发布 publishes version 1's text as version 3.
	rollback := `#versions-wz-ocean .version:nth-child(2) .row-actions button`
	clickOn(t, ctx, rollback)
	waitFor(t, ctx, "the rollback dialog", `document.getElementById('confirm').open && document.activeElement.id === 'confirm-cancel'`)
	if h := eval[string](t, ctx, `document.getElementById('confirm-h').textContent`); h != "恢复到第 1 版？" {
		t.Errorf("rollback dialog asks %q", h)
	}
	shot(t, ctx, "admin-confirm-rollback")
	do(t, ctx, "press Escape", chromedp.KeyEvent(kb.Escape))
	waitFor(t, ctx, "the dialog closed, focus back", `!document.getElementById('confirm').open && document.activeElement === document.querySelector('`+rollback+`')`)
	if _, vs, err := env.svc.Document(context.Background(), "wz-ocean"); err != nil || len(vs) != 2 {
		t.Fatalf("after a cancelled rollback wz-ocean has %d versions (%v), want 2", len(vs), err)
	}
	// Opened again before the close event of the last opening arrived (a
	// quick Escape and click): the dialog still acts, and once.
	do(t, ctx, "open, close and open the dialog in one go", chromedp.Evaluate[chromedp.Void](`(function () {
		var b = document.querySelector('`+rollback+`'), d = document.getElementById('confirm');
		b.click(); d.close(); b.click();
	})()`))
	waitFor(t, ctx, "the rollback dialog", `document.getElementById('confirm').open`)
	clickOn(t, ctx, "#confirm-ok")
	waitFor(t, ctx, "version 3 listed", `!document.getElementById('confirm').open && `+row+` && `+row+`.querySelector('[data-label="版本"]').textContent === '第 3 版2 条'`)
	if ok := eval[string](t, ctx, `document.getElementById('docs-ok').textContent`); !strings.Contains(ok, "恢复为第 1 版的内容，作为第 3 版发布") {
		t.Errorf("after the rollback the page says %q", ok)
	}
	if sum, vs, err := env.svc.Document(context.Background(), "wz-ocean"); err != nil || sum.Current != 3 || len(vs) != 3 || vs[2].BasedOn != 1 || vs[2].CreatedBy != "chen" {
		t.Errorf("after the rollback: current %d, %d versions (%v); want version 3 based on 1, by chen", sum.Current, len(vs), err)
	}

	// Retire from a date: still in use until then.
	clickOn(t, ctx, `#docs-body tr.doc[data-id="wz-ocean"] .btn-danger`)
	waitFor(t, ctx, "the retire dialog", `document.getElementById('confirm').open && !document.getElementById('confirm-date-field').hidden && document.activeElement.id === 'confirm-date'`)
	do(t, ctx, "choose the date", chromedp.SetValue(chromedp.ID("confirm-date"), "2026-06-01"))
	clickOn(t, ctx, "#confirm-ok")
	waitFor(t, ctx, "retiring listed", row+` && `+row+`.querySelector('.status-scheduled')`)
	if st := eval[string](t, ctx, row+`.querySelector('.status').textContent`); st != "将于 2026-06-01 停用" {
		t.Errorf("after retiring from 2026-06-01 the status is %q", st)
	}

	// The audit log, newest first.
	clickOn(t, ctx, "#tab-audit")
	waitFor(t, ctx, "the audit log", `document.querySelectorAll('#audit-body tr').length > 4 && !document.querySelector('#audit-body .empty')`)
	audit := eval[[]string](t, ctx, `Array.prototype.slice.call(document.querySelectorAll('#audit-body tr'), 0, 4).map(function (r) {
		return Array.prototype.slice.call(r.cells, 1).map(function (c) { return c.textContent; }).join('|');
	})`)
	wantAudit := []string{
		"chen|停用|关于支持深海养殖装备发展的若干措施（测试文本）wz-ocean|第 3 版|自 2026-06-01 00:00 起停用",
		"chen|恢复版本|关于支持深海养殖装备发展的若干措施（测试文本）wz-ocean|第 2 版 → 第 3 版|重新发布第 1 版的内容",
		"chen|发布|关于支持深海养殖装备发展的若干措施（测试文本）wz-ocean|第 1 版 → 第 2 版|",
		"li|上传|关于支持深海养殖装备发展的若干措施（测试文本）wz-ocean|第 2 版|ocean-v2.docx.md (markdown)",
	}
	if strings.Join(audit, "\n") != strings.Join(wantAudit, "\n") {
		t.Errorf("audit log =\n%s\nwant\n%s", strings.Join(audit, "\n"), strings.Join(wantAudit, "\n"))
	}

	shot(t, ctx, "admin-audit")

	// Insights: the refused questions grouped, the 👎 comment as text.
	clickOn(t, ctx, "#tab-insights")
	waitFor(t, ctx, "the insights", `document.querySelectorAll('#insights-list .group').length === 2`)
	groups := eval[[]string](t, ctx, `Array.prototype.map.call(document.querySelectorAll('#insights-list .group'), function (g) { return g.textContent; })`)
	if !strings.HasPrefix(groups[0], "人才公寓") || !strings.Contains(groups[0], "2 次") || !strings.Contains(groups[0], "未能回答 2") ||
		!strings.Contains(groups[1], "不满意 1") || !strings.Contains(groups[1], "留言：<b>金额不对</b>") {
		t.Errorf("insights groups = %q", groups)
	}
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById('insights-csv').href).then(function (r) { return r.status + ' ' + r.headers.get('Content-Type'); })`, chromedp.EvalAwaitPromise))
	if err != nil || csv != "200 text/csv; charset=utf-8" {
		t.Errorf("the CSV link answers %q (%v), want 200 text/csv", csv, err)
	}
	shot(t, ctx, "admin-insights")
}

// signIn signs in on the sign-in form with chen's token, by keyboard.
func signIn(tb testing.TB, ctx context.Context) {
	tb.Helper()
	do(tb, ctx, "type the token", chromedp.Evaluate[chromedp.Void](`document.getElementById('token').value = ''; document.getElementById('token').focus()`), chromedp.KeyEvent(chenToken), pressEnter(false))
	waitPage(tb, ctx, "signed in", `document.getElementById('upload-form') && document.querySelector('meta[name="csrf-token"]').content !== '' && document.getElementById('docs-body').querySelectorAll('tr.doc').length > 0`)
}

// spamPolicy is a Markdown policy with its own front matter and gambling
// text injected into an article, as a compromised web page would give.
const spamPolicy = `---
id: wz-spam-2026
title: 关于支持吴中区测试产业发展的补充措施（示例文本）
category: manufacturing
---

第一条 为支持测试产业发展，制定本补充措施。

第二条 对新认定的测试服务企业给予一次性奖励。澳门葡京娱乐欢迎您
`

// adminPolicyDocx is a small Word document as an official would upload: a
// title, a document number, three chapters (Heading 1) and five articles,
// one naming its department and one with markup in its text.
func adminPolicyDocx(tb testing.TB) []byte {
	tb.Helper()
	type para struct{ style, text string }
	paras := []para{
		{"Title", "关于支持吴中区测试产业发展的若干措施（示例文本）"},
		{"", "吴政规〔2026〕9号"},
		{"Heading1", "第一章　总则"},
		{"", "第一条　为支持测试产业发展，结合本区实际，制定本措施。"},
		{"", "第二条　本措施适用于在吴中区依法登记注册的测试服务企业。"},
		{"Heading1", "第二章　支持措施"},
		{"", "第三条　对首次认定的测试服务企业给予50万元奖励。（责任单位：区工信局）"},
		{"", "第四条　申报系统中的示例标记" + xssImg + "<b>加粗</b>应按原文显示。"},
		{"Heading1", "第三章　附则"},
		{"", "第五条　本措施由区工业和信息化局负责解释，自2026年6月1日起施行。"},
	}
	const ns = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	var body strings.Builder
	for _, p := range paras {
		body.WriteString(`<w:p>`)
		if p.style != "" {
			fmt.Fprintf(&body, `<w:pPr><w:pStyle w:val="%s"/></w:pPr>`, p.style)
		}
		fmt.Fprintf(&body, `<w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>`, html.EscapeString(p.text))
	}
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/_rels/document.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document ` + ns + `><w:body>` + body.String() + `<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>`},
		{"word/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles ` + ns + `><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style></w:styles>`},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// adminCookies are the cookies the browser would send to /admin.
func adminCookies(tb testing.TB, ctx context.Context, base string) []*network.Cookie {
	tb.Helper()
	var out []*network.Cookie
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/admin"}})
		out = res.Cookies
		return err
	}))
	if err != nil {
		tb.Fatalf("get cookies: %v", err)
	}
	return out
}

// typeInto focuses the field with the id and types text into it.
func typeInto(tb testing.TB, ctx context.Context, id, text string) {
	tb.Helper()
	do(tb, ctx, "type into #"+id, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById(%q).focus()`, id)), chromedp.KeyEvent(text))
	if got := eval[string](tb, ctx, fmt.Sprintf(`document.getElementById(%q).value`, id)); got != text {
		tb.Fatalf("#%s holds %q after typing, want %q", id, got, text)
	}
}

// clickOn clicks the centre of the page element sel with the mouse.
func clickOn(tb testing.TB, ctx context.Context, sel string) {
	tb.Helper()
	waitFor(tb, ctx, sel+" visible", fmt.Sprintf(`(function(){var e=document.querySelector(%q); if(!e) return false; var r=e.getBoundingClientRect(); return r.width>0 && r.height>0;})()`, sel))
	pt := eval[struct{ X, Y float64 }](tb, ctx, fmt.Sprintf(`(function(){var e=document.querySelector(%q); e.scrollIntoView({block:'center'}); var r=e.getBoundingClientRect(); return {X:r.x+r.width/2, Y:r.y+r.height/2};})()`, sel))
	do(tb, ctx, "click "+sel, chromedp.MouseClickXY(pt.X, pt.Y))
}

// waitPage is waitFor across a navigation: the predicate is polled again
// in the page that replaced the one it started in.
func waitPage(tb testing.TB, ctx context.Context, what, expr string) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(2*time.Second)))
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			shot(tb, ctx, "failure-"+strings.ReplaceAll(tb.Name(), "/", "-"))
			tb.Fatalf("waiting for %s (%s): %v", what, expr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBrowserAdminInsightsLongQuestion: a 1,000-character junk question
// shows in Insights as its first 120 characters, the rest behind 展开全文;
// the admin pages pass axe-core.
func TestBrowserAdminInsightsLongQuestion(t *testing.T) {
	ctx := newTab(t)
	env := startAdminServer(t, web.AdminDeps{})
	junk := strings.Repeat("啊吧嗒哒咔", 200)
	if a := env.ask(t, junk); !a.Refused {
		t.Skipf("the bot answered the junk question (%q); Insights shows only refused or 👎 questions", a.Answer)
	}
	env.ask(t, "人才公寓怎么申请？")
	do(t, ctx, "open /admin#insights", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(env.URL+"/admin#insights"))
	waitFor(t, ctx, "the sign-in form", `document.getElementById('token')`)
	checkAxe(t, ctx, "admin sign-in page")
	signIn(t, ctx)
	clickOn(t, ctx, "#tab-insights")
	waitFor(t, ctx, "the insights", `document.querySelectorAll('#insights-list .group').length === 2`)
	got := eval[map[string]any](t, ctx, `(function () {
		var q = Array.prototype.filter.call(document.querySelectorAll('#insights-list .group-q'), function (g) { return g.textContent.indexOf('啊吧嗒哒咔') === 0; })[0];
		var d = q.querySelector('details');
		return {shown: q.firstChild.textContent, summary: d ? d.querySelector('summary').textContent : '', open: d ? d.open : true,
			full: d ? d.querySelector('.full').textContent.length : 0, height: q.getBoundingClientRect().height};
	})()`)
	if shown, _ := got["shown"].(string); len([]rune(shown)) != 121 || !strings.HasSuffix(shown, "…") || got["summary"] != "展开全文（共 1000 字）" || got["open"] != false || got["full"] != 1000.0 {
		t.Errorf("the long question shows as %v, want 120 characters and …, the rest behind 展开全文（共 1000 字）", got)
	}
	if h, _ := got["height"].(float64); h > 200 {
		t.Errorf("the long question takes %v px, want a few lines", h)
	}
	checkAxe(t, ctx, "admin insights")
	shot(t, ctx, "admin-insights-long")
}
