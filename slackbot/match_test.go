package slackbot

import (
	"net/url"
	"strings"
	"testing"
)

// TestSlashMatch: "/policy match 企业情况" posts the match list, visible to
// the asker only: each measure with its status, linked article, estimate
// and working, what is left to confirm, and the total as an estimate.
func TestSlashMatch(t *testing.T) {
	fake := newFakeSlack(t)
	e := newRealEnv(t, fake, false)
	form := url.Values{
		"command": {"/policy"}, "text": {"match 我们是吴中一家做精密零部件的规上企业，去年营收8亿，今年设备投了3000万，刚评上省级专精特新"},
		"user_id": {"U1"}, "channel_id": {"C9"}, "team_id": {"T1"},
		"response_url": {fake.responseURL()}, "trigger_id": {"match.1"},
	}
	w := e.post(t, "/slack/commands", "application/x-www-form-urlencoded", form.Encode(), nil)
	if !strings.Contains(w.Body.String(), placeholderText) {
		t.Fatalf("ack = %q, want the placeholder", w.Body.String())
	}
	r := fake.waitFor(t, "response", 1)[0]
	if r.JSON["replace_original"] != true || r.JSON["response_type"] != "ephemeral" {
		t.Errorf("response = %v, want it to replace the ephemeral ack", r.JSON)
	}
	raw := texts(r.decodedBlocks(t))
	for _, want := range []string{
		"政策匹配", "省级专精特新", "【符合】", "<" + articleLink + "|《", "测算：*20万元*",
		"【待确认】", "3000万元×10% = 300万元", "待确认：是否属于：新引进或增资扩产的重大制造业项目？",
		"仅为估算", "合计20万元", "不享受情形", "区工信局",
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("match list lacks %q:\n%s", want, raw)
		}
	}
	if i, j := strings.Index(raw, "【符合】"), strings.Index(raw, "【待确认】"); i < 0 || j < i {
		t.Errorf("matched measures do not come first:\n%s", raw)
	}

	t.Run("usage", func(t *testing.T) {
		form.Set("text", "match")
		form.Set("trigger_id", "match.2")
		form.Set("response_url", fake.responseURL())
		e.post(t, "/slack/commands", "application/x-www-form-urlencoded", form.Encode(), nil)
		r := fake.waitFor(t, "response", 2)[1]
		if got := texts(r.decodedBlocks(t)); !strings.Contains(got, "用法：/policy match") {
			t.Errorf("bare match = %q, want the usage", got)
		}
	})
	t.Run("not a company", func(t *testing.T) {
		form.Set("text", "匹配 "+strings.Repeat("很长的描述", 500))
		form.Set("trigger_id", "match.3")
		w := e.post(t, "/slack/commands", "application/x-www-form-urlencoded", form.Encode(), nil)
		if !strings.Contains(w.Body.String(), "太长") {
			t.Errorf("a description over the limit: ack %q, want it refused as too long", w.Body.String())
		}
	})
}
