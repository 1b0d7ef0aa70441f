package web_test

// A browser test of the widget's 政策匹配 view against the real server and
// bot: the form filled by keyboard, the cards read back, axe-core on both.

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"policybot/web"
)

type matchCard struct {
	Status   string `json:"status"`
	Badge    string `json:"badge"`
	Title    string `json:"title"`
	Href     string `json:"href"`
	Estimate string `json:"estimate"`
	Work     string `json:"work"`
	Conds    string `json:"conds"`
	Meta     string `json:"meta"`
	Quote    string `json:"quote"`
}

const readCards = `__pbAll('.pb-mcard').map(function (c) {
	var q = function (s) { var e = c.querySelector(s); return e ? e.textContent : ''; };
	var a = c.querySelector('.pb-mtitle a');
	return {status: c.getAttribute('data-status'), badge: q('.pb-mbadge'), title: q('.pb-mtitle'), href: a ? a.getAttribute('href') : '',
		estimate: q('.pb-mest-v'), work: q('.pb-mwork'), conds: q('.pb-mconds'), meta: q('.pb-mmeta'), quote: q('.pb-quote')};
})`

// typeIntoWidget focuses a field of the widget and types text.
func typeIntoWidget(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	do(t, ctx, "type into "+sel, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`__pb(%q).focus()`, sel)), chromedp.KeyEvent(text))
}

func TestBrowserMatchView(t *testing.T) {
	ctx := newTab(t)
	e := newTestServer(t, web.Options{}, nil)
	do(t, ctx, "open the demo page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.URL+"/"))
	clickWidget(t, ctx, ".pb-bubble")
	clickWidget(t, ctx, ".pb-match-tool")
	waitFor(t, ctx, "the match form", `__pb('.pb-mform') && document.querySelector('policybot-widget').shadowRoot.activeElement === __pb('#pb-m-region')`)
	if got := eval[map[string]any](t, ctx, `({pressed: __pb('.pb-match-tool').getAttribute('aria-pressed'), log: __pb('.pb-log').hidden})`); got["pressed"] != "true" || got["log"] != true {
		t.Errorf("after opening the view: %v; want the button pressed and the conversation hidden", got)
	}
	checkAxe(t, ctx, "the match form")

	// The short form, typed: category, revenue (万元), an equipment
	// investment (万元), the titles.
	do(t, ctx, "choose manufacturing", chromedp.Evaluate[chromedp.Void](`__pb('#pb-m-category').focus()`), chromedp.KeyEvent("制"))
	typeIntoWidget(t, ctx, "#pb-m-revenue", "80000")
	typeIntoWidget(t, ctx, "#pb-m-invest", "3000")
	typeIntoWidget(t, ctx, "#pb-m-titles", "今年新评省级专精特新")
	if v := eval[string](t, ctx, `__pb('#pb-m-category').value`); v != "manufacturing" {
		t.Fatalf("category = %q after typing 制, want manufacturing", v)
	}
	clickWidget(t, ctx, ".pb-msubmit")
	waitFor(t, ctx, "the cards", `__pbAll('.pb-mcard').length > 0 && !__pb('.pb-msubmit').disabled`)
	cards := eval[[]matchCard](t, ctx, readCards)
	if len(cards) != 2 {
		t.Fatalf("%d cards, want 2 (第6条 matched, 第3条 possible): %+v", len(cards), cards)
	}
	c := cards[0]
	if c.Status != "matched" || c.Badge != "符合条件" || !strings.Contains(c.Title, "第6条") || !strings.HasSuffix(c.Href, "/policies/wz-mfg-2025#article-6") ||
		c.Estimate != "20万元" || !strings.Contains(c.Quote, "省级专精特新中小企业的，奖励20万元") || !strings.Contains(c.Meta, "区工信局") || !strings.Contains(c.Meta, "申报") {
		t.Errorf("first card = %+v; want 第6条 matched, 20万元, linked, with its clause, department and deadline", c)
	}
	c = cards[1]
	if c.Status != "possible" || !strings.Contains(c.Title, "第3条") || c.Estimate != "300万元" || !strings.Contains(c.Work, "3000万元×10%") ||
		!strings.Contains(c.Conds, "新引进或增资扩产") {
		t.Errorf("second card = %+v; want 第3条 possible, 300万元 with its working and the condition to confirm", c)
	}
	summary := eval[map[string]string](t, ctx, `({total: __pb('.pb-mtotal-v').textContent, note: __pb('.pb-mnote').textContent, understood: __pb('.pb-munderstood').textContent})`)
	if summary["total"] != "20万元" || !strings.Contains(summary["note"], "仅为估算") || !strings.Contains(summary["understood"], "省级专精特新") || !strings.Contains(summary["understood"], "年营业收入8亿元") {
		t.Errorf("summary = %v; want the total 20万元 labelled an estimate, and what was understood", summary)
	}
	checkAxe(t, ctx, "the match cards")
	shot(t, ctx, "match-cards")

	// The free-text box alone.
	do(t, ctx, "clear the form", chromedp.Evaluate[chromedp.Void](`['#pb-m-revenue', '#pb-m-invest', '#pb-m-titles'].forEach(function (s) { __pb(s).value = ''; }); __pb('#pb-m-category').value = ''`))
	typeIntoWidget(t, ctx, "#pb-m-text", "我们是吴中的旅行社，今年组织了2.6万人次过夜游客来吴中")
	clickWidget(t, ctx, ".pb-msubmit")
	waitFor(t, ctx, "the travel agency's card", `__pbAll('.pb-mcard').length === 1 && __pb('.pb-mcard .pb-mtitle').textContent.indexOf('第8条') >= 0`)
	if c := eval[[]matchCard](t, ctx, readCards)[0]; c.Estimate != "26万元" || c.Status != "matched" {
		t.Errorf("travel agency card = %+v; want 26万元 matched", c)
	}

	// Back to the conversation.
	clickWidget(t, ctx, ".pb-mback")
	waitFor(t, ctx, "the conversation back", `!__pb('.pb-log').hidden && __pb('.pb-match').hidden && __pb('.pb-match-tool').getAttribute('aria-pressed') === 'false'`)
}
