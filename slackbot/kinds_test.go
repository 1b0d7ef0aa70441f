package slackbot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"policybot/bot"
)

// kindsAsker answers like the bot does for each mode: a clarifying reply
// with choices for 补贴, a hedge, a route (with a citation it must not
// show), and the 小巨人 answer for anything else.
func kindsAsker() *fakeAsker {
	return &fakeAsker{fn: func(_ context.Context, req bot.Request) (bot.Answer, error) {
		a := giantAnswer(req)
		switch req.Message {
		case "补贴":
			a = bot.Answer{ConversationID: req.ConversationID, Mode: bot.ModeClarify, Refused: true, Text: "请问您想了解哪一类补贴？",
				Choices: []bot.Choice{{Label: "智改数转", Message: "智改数转项目怎么补助？"}, {Label: "境外展会", Message: "企业参加境外展会有补贴吗？"}}}
		case "小巨人有什么奖":
			a.Mode = bot.ModeHedge
		case "企业所得税怎么减免":
			a.Mode, a.Refused, a.RouteTo, a.Notice = bot.ModeRoute, true, "区税务局", ""
			a.Text = "现有政策文件未涉及企业所得税，请咨询区税务局。"
		default:
			a.Mode = bot.ModeAnswer
		}
		return a, nil
	}}
}

// choicePayload is a block_actions payload of a choice button click.
func choicePayload(responseURL, channel, value string) string {
	j, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U7"}, "response_url": responseURL,
		"channel":   map[string]any{"id": channel},
		"container": map[string]any{"type": "message", "message_ts": "1700000100.000001", "channel_id": channel},
		"actions":   []map[string]any{{"type": "button", "action_id": actionChoice + "1", "block_id": choicesBlockID, "value": value, "action_ts": "1700000300.000200"}},
	})
	return string(j)
}

// choiceButtons returns the choice buttons in blocks: text → value.
func choiceButtons(t *testing.T, bs []map[string]any) (labels []string, values []string) {
	t.Helper()
	for _, b := range bs {
		if b["block_id"] != choicesBlockID {
			continue
		}
		for _, el := range b["elements"].([]any) {
			m := el.(map[string]any)
			labels = append(labels, m["text"].(map[string]any)["text"].(string))
			values = append(values, m["value"].(string))
		}
	}
	return labels, values
}

// TestClarifyChoicesInThread: a clarifying reply offers its choices as
// buttons; a click asks the chosen question in the same thread and
// conversation, saying who chose what.
func TestClarifyChoicesInThread(t *testing.T) {
	asker := kindsAsker()
	e := newTestEnv(t, asker)
	e.postEvent(t, "Ev1", mention("C1", "1700000000.000100", "", "补贴"), nil)
	up := e.fake.waitFor(t, "chat.update", 1)[0]
	bs := up.decodedBlocks(t)
	labels, values := choiceButtons(t, bs)
	if strings.Join(labels, "|") != "智改数转|境外展会" {
		t.Fatalf("choice buttons = %q, want 智改数转 and 境外展会 (blocks %s)", labels, up.blocks())
	}
	if got := strings.Join(blockTypes(bs), ","); got != "section,actions,actions" {
		t.Errorf("clarifying reply blocks = %s, want the text, the choices and the feedback buttons", got)
	}

	w := e.post(t, "/slack/interactions", "application/x-www-form-urlencoded",
		url.Values{"payload": {choicePayload(e.fake.responseURL(), "C1", values[1])}}.Encode(), nil)
	if w.Code != http.StatusOK {
		t.Fatalf("POST /slack/interactions = %d %s", w.Code, w.Body.String())
	}
	posts := e.fake.waitFor(t, "chat.postMessage", 2)
	if p := posts[1].Form; p.Get("channel") != "C1" || p.Get("thread_ts") != "1700000000.000100" {
		t.Errorf("the chosen question is answered in channel %q thread %q, want C1 and the thread of the clarifying reply", p.Get("channel"), p.Get("thread_ts"))
	}
	answer := e.fake.waitFor(t, "chat.update", 2)[1]
	raw := texts(answer.decodedBlocks(t))
	if !strings.Contains(raw, "<@U7> "+chosenTextStart+"境外展会") || !strings.Contains(raw, "50万元") {
		t.Errorf("answer to the choice lacks who chose what or the answer:\n%s", raw)
	}
	reqs := asker.requests()
	if len(reqs) != 2 || reqs[1].Message != "企业参加境外展会有补贴吗？" || reqs[1].ConversationID != "slack:C1:1700000000.000100" {
		t.Errorf("asked %+v, want the choice's message in the thread's conversation", reqs)
	}
	if strings.Contains(answer.Form.Get("blocks"), "slack:C1:1700000000.000100/1700000300.000200") == false {
		t.Errorf("the answer's feedback buttons do not name it by the click: %s", answer.Form.Get("blocks"))
	}

	t.Run("a choice that names another channel", func(t *testing.T) {
		w := e.post(t, "/slack/interactions", "application/x-www-form-urlencoded",
			url.Values{"payload": {choicePayload(e.fake.responseURL(), "C2", values[1])}}.Encode(), nil)
		if w.Code != http.StatusBadRequest {
			t.Errorf("a choice whose conversation is in another channel = %d, want 400", w.Code)
		}
	})
}

// TestClarifyChoicesUnderSlashCommand: the choice under an ephemeral
// answer is answered through the click's response URL, as a new message.
func TestClarifyChoicesUnderSlashCommand(t *testing.T) {
	asker := kindsAsker()
	e := newTestEnv(t, asker)
	form := url.Values{"command": {"/policy"}, "text": {"补贴"}, "user_id": {"U7"}, "channel_id": {"C9"}, "team_id": {"T1"},
		"response_url": {e.fake.responseURL()}, "trigger_id": {"1.2.a"}}
	e.post(t, "/slack/commands", "application/x-www-form-urlencoded", form.Encode(), nil)
	r := e.fake.waitFor(t, "response", 1)[0]
	_, values := choiceButtons(t, r.decodedBlocks(t))
	if len(values) != 2 {
		t.Fatalf("choice buttons under the slash command's answer: %s", r.blocks())
	}
	e.post(t, "/slack/interactions", "application/x-www-form-urlencoded", url.Values{"payload": {choicePayload(e.fake.responseURL(), "C9", values[0])}}.Encode(), nil)
	r = e.fake.waitFor(t, "response", 2)[1]
	if r.JSON["response_type"] != "ephemeral" || r.JSON["replace_original"] != false || !strings.Contains(texts(r.decodedBlocks(t)), "50万元") {
		t.Errorf("answer to the choice = %v, want a new ephemeral message with the answer", r.JSON)
	}
	if reqs := asker.requests(); len(reqs) != 2 || reqs[1].Message != "智改数转项目怎么补助？" || reqs[1].ConversationID != "slack:C9:U7" {
		t.Errorf("asked %+v, want the choice in the user's conversation slack:C9:U7", reqs)
	}
}

// TestReplyKindsInSlack: a hedge is marked, a route shows no citations,
// and an answer quotes its clause once.
func TestReplyKindsInSlack(t *testing.T) {
	e := newTestEnv(t, kindsAsker())
	ask := func(ts, q string, n int) []map[string]any {
		t.Helper()
		e.postEvent(t, "Ev"+ts, mention("C1", ts, "", q), nil)
		return e.fake.waitFor(t, "chat.update", n)[n-1].decodedBlocks(t)
	}
	hedge := ask("1700000000.000100", "小巨人有什么奖", 1)
	if bs := blockTypes(hedge); bs[0] != "context" || !strings.Contains(texts(hedge[:1]), hedgeText) {
		t.Errorf("hedge blocks %v start without the mark %q:\n%s", bs, hedgeText, texts(hedge))
	}
	route := ask("1700000000.000200", "企业所得税怎么减免", 2)
	if raw := texts(route); strings.Contains(raw, "📄") || strings.Contains(raw, articleLink) || !strings.Contains(raw, "区税务局") {
		t.Errorf("route reply shows a citation or lacks the department:\n%s", raw)
	}
	answer := ask("1700000000.000300", "小巨人奖励多少", 3)
	const quote = "首次认定为国家级专精特新“小巨人”企业的，给予一次性奖励50万元"
	if n := strings.Count(texts(answer), quote); n != 1 {
		t.Errorf("the answer shows its clause %d times, want once:\n%s", n, texts(answer))
	}
}

// TestSlashCommandReplayAnsweredOnce: the same signed request sent again
// within the signature window is acknowledged but not answered again.
func TestSlashCommandReplayAnsweredOnce(t *testing.T) {
	e := newTestEnv(t, nil)
	form := url.Values{"command": {"/policy"}, "text": {"首次被认定为国家级专精特新小巨人企业奖励多少？"}, "user_id": {"U1"},
		"channel_id": {"C9"}, "team_id": {"T1"}, "response_url": {e.fake.responseURL()}, "trigger_id": {"123.456.abc"}}
	body := form.Encode()
	h := sign(testSecret, e.now.Unix(), body)
	for i := range 3 {
		if w := e.send("/slack/commands", "application/x-www-form-urlencoded", body, h); w.Code != http.StatusOK {
			t.Fatalf("request %d = %d", i+1, w.Code)
		}
	}
	e.fake.waitFor(t, "response", 1)
	// A different invocation of the same question is answered.
	form.Set("trigger_id", "123.456.def")
	e.post(t, "/slack/commands", "application/x-www-form-urlencoded", form.Encode(), nil)
	e.fake.waitFor(t, "response", 2)
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(e.asker.requests()); n != 2 {
		t.Errorf("the bot was asked %d times for one command sent three times and another once, want 2", n)
	}
	if n := len(e.fake.callsTo("response")); n != 2 {
		t.Errorf("%d answers posted, want 2", n)
	}
}
