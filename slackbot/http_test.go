package slackbot

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"policybot/bot"
	"policybot/bot/convlog"
)

const articleLink = testPublicURL + "/policies/wz-mfg-2025#article-6"

// texts joins the texts in decoded blocks (JSON escapes <, > and &).
func texts(bs []map[string]any) string {
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "text" || k == "value") {
					b.WriteString(s + "\n")
				} else {
					walk(x)
				}
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for _, m := range bs {
		walk(m)
	}
	return b.String()
}

// blockTypes lists the types of blocks, in order.
func blockTypes(bs []map[string]any) []string {
	var ts []string
	for _, b := range bs {
		ts = append(ts, b["type"].(string))
	}
	return ts
}

func TestMentionAnswersInThread(t *testing.T) {
	e := newTestEnv(t, nil)
	e.postEvent(t, "Ev1", mention("C1", "1700000000.000100", "", "首次被认定为国家级专精特新小巨人企业奖励多少？"), nil)

	posts := e.fake.waitFor(t, "chat.postMessage", 1)
	p := posts[0].Form
	if p.Get("channel") != "C1" || p.Get("thread_ts") != "1700000000.000100" || p.Get("text") != placeholderText {
		t.Errorf("placeholder = channel %q thread_ts %q text %q, want C1, the mention's ts, %q", p.Get("channel"), p.Get("thread_ts"), p.Get("text"), placeholderText)
	}
	up := e.fake.waitFor(t, "chat.update", 1)[0]
	if up.Form.Get("channel") != "C1" || up.Form.Get("ts") != "1700000100.000001" {
		t.Errorf("chat.update channel %q ts %q, want C1 and the placeholder's ts", up.Form.Get("channel"), up.Form.Get("ts"))
	}
	bs := up.decodedBlocks(t)
	if got, want := strings.Join(blockTypes(bs), ","), "section,context,context,actions"; got != want {
		t.Errorf("block types = %s, want %s", got, want)
	}
	raw := texts(bs)
	for _, want := range []string{"50万元", "&lt;R&amp;D&gt;", "<" + articleLink + "|《区促进制造业高质量发展若干政策》第六条>", "区工信局", "提示：所引文件为示例文本"} {
		if !strings.Contains(raw, want) {
			t.Errorf("blocks lack %q:\n%s", want, raw)
		}
	}
	if strings.Contains(raw, "<R&D>") {
		t.Errorf("answer text not escaped:\n%s", raw)
	}
	wantID := "slack:C1:1700000000.000100/1700000000.000100"
	buttons := bs[3]["elements"].([]any)
	for i, want := range []struct{ action, emoji string }{{actionUp, "👍"}, {actionDown, "👎"}} {
		b := buttons[i].(map[string]any)
		if b["action_id"] != want.action || b["value"] != wantID || !strings.Contains(b["text"].(map[string]any)["text"].(string), want.emoji) {
			t.Errorf("button %d = %v, want %s with value %s", i, b, want.action, wantID)
		}
	}
	var meta slack.SlackMetadata
	if err := json.Unmarshal([]byte(up.Form.Get("metadata")), &meta); err != nil || meta.EventType != answerEventType || meta.EventPayload["resolved"] != "首次被认定为国家级专精特新小巨人企业奖励多少" {
		t.Errorf("metadata = %q (%v), want the turn", up.Form.Get("metadata"), err)
	}
	reqs := e.asker.requests()
	if len(reqs) != 1 || reqs[0].ConversationID != "slack:C1:1700000000.000100" || reqs[0].Message != "首次被认定为国家级专精特新小巨人企业奖励多少？" {
		t.Errorf("asked %+v, want the question without the mention in conversation slack:C1:<ts>", reqs)
	}
}

func TestEventAcknowledgedBeforeAnswer(t *testing.T) {
	release := make(chan struct{})
	asker := &fakeAsker{fn: func(ctx context.Context, req bot.Request) (bot.Answer, error) {
		<-release
		return giantAnswer(req), nil
	}}
	e := newTestEnv(t, asker)
	// The handler returns while the bot is still thinking.
	e.postEvent(t, "Ev1", mention("C1", "1700000000.000100", "", "小巨人奖励多少"), nil)
	e.fake.waitFor(t, "chat.postMessage", 1)
	if n := len(e.fake.callsTo("chat.update")); n != 0 {
		t.Fatalf("answer posted before the bot answered (%d updates)", n)
	}
	close(release)
	e.fake.waitFor(t, "chat.update", 1)
}

func TestSignature(t *testing.T) {
	e := newTestEnv(t, nil)
	body := `{"type":"url_verification","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}`
	now := e.now.Unix()
	tests := []struct {
		name string
		h    http.Header
		want int
	}{
		{"valid", sign(testSecret, now, body), http.StatusOK},
		{"within the window", sign(testSecret, now-299, body), http.StatusOK},
		{"bad signature", sign("another-secret", now, body), http.StatusUnauthorized},
		{"stale timestamp", sign(testSecret, now-6*60, body), http.StatusUnauthorized},
		{"timestamp ahead", sign(testSecret, now+6*60, body), http.StatusUnauthorized},
		{"no headers", http.Header{}, http.StatusUnauthorized},
	}
	for _, tc := range tests {
		for _, path := range []string{"/slack/events", "/slack/interactions", "/slack/commands"} {
			t.Run(tc.name+" "+path, func(t *testing.T) {
				w := e.send(path, "application/json", body, tc.h)
				if tc.want == http.StatusUnauthorized && w.Code != tc.want || tc.want == http.StatusOK && w.Code == http.StatusUnauthorized {
					t.Errorf("POST %s = %d, want %d", path, w.Code, tc.want)
				}
			})
		}
	}
	t.Run("tampered body", func(t *testing.T) {
		w := e.send("/slack/events", "application/json", strings.Replace(body, "3eZ", "4eZ", 1), sign(testSecret, now, body))
		if w.Code != http.StatusUnauthorized {
			t.Errorf("POST = %d, want 401", w.Code)
		}
	})
	t.Run("no signing secret", func(t *testing.T) {
		svc, err := New(Config{BotToken: "xoxb-test", Now: func() time.Time { return e.now }}, &fakeAsker{}, &fakeLog{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := &testEnv{h: svc.Handler()}
		if w := e.send("/slack/events", "application/json", body, sign("", now, body)); w.Code != http.StatusUnauthorized {
			t.Errorf("POST without a configured secret = %d, want 401", w.Code)
		}
	})
}

func TestURLVerification(t *testing.T) {
	e := newTestEnv(t, nil)
	w := e.post(t, "/slack/events", "application/json", `{"token":"x","challenge":"abc123","type":"url_verification"}`, nil)
	if w.Code != http.StatusOK || w.Body.String() != "abc123" {
		t.Errorf("url_verification = %d %q, want 200 abc123", w.Code, w.Body.String())
	}
}

func TestRetriedEventAnsweredOnce(t *testing.T) {
	e := newTestEnv(t, nil)
	ev := mention("C1", "1700000000.000100", "", "小巨人奖励多少")
	e.postEvent(t, "Ev1", ev, nil)
	retry := http.Header{}
	retry.Set("X-Slack-Retry-Num", "1")
	retry.Set("X-Slack-Retry-Reason", "http_timeout")
	e.postEvent(t, "Ev1", ev, retry)
	retry.Set("X-Slack-Retry-Num", "2")
	e.postEvent(t, "Ev1", ev, retry)
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(e.asker.requests()); n != 1 {
		t.Errorf("bot asked %d times, want 1", n)
	}
	if n := len(e.fake.callsTo("chat.postMessage")); n != 1 {
		t.Errorf("%d messages posted, want 1", n)
	}
}

func TestIgnoredEvents(t *testing.T) {
	e := newTestEnv(t, nil)
	botMsg := message("C1", "channel", "1700000000.000200", "1700000000.000100", "正在查询政策…")
	botMsg["bot_id"] = botID
	botMsg["user"] = botUserID
	botMention := mention("C1", "1700000000.000300", "", "小巨人")
	botMention["bot_id"] = "BOTHER"
	edited := message("D1", "im", "1700000000.000400", "", "小巨人")
	edited["subtype"] = "message_changed"
	botDM := message("D1", "im", "1700000000.000500", "", "小巨人")
	botDM["subtype"] = "bot_message"
	botDM["bot_id"] = botID
	topLevel := message("C1", "channel", "1700000000.000600", "", "小巨人奖励多少")
	dmMention := mention("D1", "1700000000.000700", "", "小巨人") // message.im answers it
	for i, ev := range []map[string]any{botMsg, botMention, edited, botDM, topLevel, dmMention} {
		e.postEvent(t, "EvIgnored"+string(rune('A'+i)), ev, nil)
	}
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(e.asker.requests()); n != 0 {
		t.Errorf("bot asked %d times, want 0: %+v", n, e.asker.requests())
	}
	for _, m := range []string{"chat.postMessage", "chat.update"} {
		if n := len(e.fake.callsTo(m)); n != 0 {
			t.Errorf("%d %s calls, want 0", n, m)
		}
	}
}

func TestDirectMessage(t *testing.T) {
	e := newTestEnv(t, nil)
	e.postEvent(t, "Ev1", message("D1", "im", "1700000000.000100", "", "首次被认定为国家级专精特新小巨人企业奖励多少？"), nil)
	p := e.fake.waitFor(t, "chat.postMessage", 1)[0].Form
	if p.Get("channel") != "D1" || p.Get("thread_ts") != "" {
		t.Errorf("placeholder in channel %q thread %q, want the DM D1 outside threads", p.Get("channel"), p.Get("thread_ts"))
	}
	up := e.fake.waitFor(t, "chat.update", 1)[0]
	if up.Form.Get("channel") != "D1" || !strings.Contains(up.blocks(), "50万元") {
		t.Errorf("answer in %q = %s, want D1 with 50万元", up.Form.Get("channel"), up.blocks())
	}
	if reqs := e.asker.requests(); len(reqs) != 1 || reqs[0].ConversationID != "slack:D1" {
		t.Errorf("asked %+v, want conversation slack:D1", reqs)
	}
}

// answerMessage is the bot's answer as conversations.replies returns it.
func answerMessage(ts, threadTS, conv, question, resolved string) slack.Message {
	m := slack.Message{}
	m.User, m.BotID, m.Timestamp, m.ThreadTimestamp, m.Text = botUserID, botID, ts, threadTS, "根据…"
	m.Metadata = answerMetadata(conv, question, bot.Answer{Query: resolved, Topic: resolved, Citations: []convlog.Citation{{Doc: "wz-mfg-2025", Article: 6}}})
	return m
}

func humanMessage(ts, threadTS, text string) slack.Message {
	m := slack.Message{}
	m.User, m.Timestamp, m.ThreadTimestamp, m.Text = "U1", ts, threadTS, text
	return m
}

func TestThreadFollowUp(t *testing.T) {
	const thread = "1700000000.000100"
	conv := "slack:C1:" + thread
	e := newTestEnv(t, nil)
	e.fake.setReplies("C1", thread,
		humanMessage(thread, thread, "<@"+botUserID+"> 首次被认定为国家级专精特新小巨人企业奖励多少？"),
		answerMessage("1700000000.000200", thread, conv, "首次被认定为国家级专精特新小巨人企业奖励多少？", "首次被认定为国家级专精特新小巨人企业奖励多少"),
		humanMessage("1700000000.000300", thread, "那省级的呢？"),
	)
	// A reply in the thread, no mention: the bot (which remembers nothing
	// of the thread, as after a restart) reads the thread back.
	e.postEvent(t, "Ev1", message("C1", "channel", "1700000000.000300", thread, "那省级的呢？"), nil)
	up := e.fake.waitFor(t, "chat.update", 1)[0]
	if p := e.fake.callsTo("chat.postMessage")[0].Form; p.Get("thread_ts") != thread {
		t.Errorf("placeholder thread_ts = %q, want %q", p.Get("thread_ts"), thread)
	}
	if r := e.fake.callsTo("conversations.replies"); len(r) == 0 || r[0].Form.Get("channel") != "C1" || r[0].Form.Get("ts") != thread || r[0].Form.Get("include_all_metadata") != "1" {
		t.Errorf("conversations.replies calls = %+v, want one for C1 %s with metadata", r, thread)
	}
	if reqs := e.asker.requests(); len(reqs) != 1 || reqs[0].ConversationID != conv || reqs[0].Message != "那省级的呢？" {
		t.Errorf("asked %+v, want the follow-up in %s", reqs, conv)
	}
	turns, _ := e.convs.Recent(context.Background(), conv, 4)
	if len(turns) != 1 || turns[0].Resolved != "首次被认定为国家级专精特新小巨人企业奖励多少" || turns[0].Doc != "wz-mfg-2025" || turns[0].Article != 6 || turns[0].Refused {
		t.Errorf("restored turns = %+v, want the earlier answer", turns)
	}
	if !strings.Contains(texts(up.decodedBlocks(t)), "slack:C1:"+thread+"/1700000000.000300") {
		t.Errorf("feedback buttons do not name the follow-up: %s", up.blocks())
	}

	t.Run("a thread the bot is not in", func(t *testing.T) {
		e := newTestEnv(t, nil)
		e.fake.setReplies("C2", thread, humanMessage(thread, thread, "午饭吃什么"), humanMessage("1700000000.000200", thread, "那省级的呢？"))
		e.postEvent(t, "Ev2", message("C2", "channel", "1700000000.000200", thread, "那省级的呢？"), nil)
		_ = e.svc.Close()
		if n := len(e.fake.callsTo("chat.postMessage")); n != 0 || len(e.asker.requests()) != 0 {
			t.Errorf("answered a thread the bot is not in (%d posts)", n)
		}
	})
	t.Run("a reply mentioning the bot is left to app_mention", func(t *testing.T) {
		e := newTestEnv(t, nil)
		e.fake.setReplies("C1", thread, answerMessage("1700000000.000200", thread, conv, "q", "q"))
		e.postEvent(t, "Ev3", message("C1", "channel", "1700000000.000300", thread, "<@"+botUserID+"> 那省级的呢？"), nil)
		e.postEvent(t, "Ev4", mention("C1", "1700000000.000300", thread, "那省级的呢？"), nil)
		_ = e.svc.Close()
		if n := len(e.asker.requests()); n != 1 {
			t.Errorf("bot asked %d times for one message, want 1", n)
		}
	})
	t.Run("a reply addressed to someone else", func(t *testing.T) {
		e := newTestEnv(t, nil)
		e.fake.setReplies("C1", thread, answerMessage("1700000000.000200", thread, conv, "q", "q"))
		e.postEvent(t, "Ev6", message("C1", "channel", "1700000000.000300", thread, "<@U2> 那省级的呢？你帮忙问问"), nil)
		_ = e.svc.Close()
		if n := len(e.asker.requests()); n != 0 {
			t.Errorf("bot asked %d times, want 0", n)
		}
	})
	t.Run("the bot remembers: Slack not read", func(t *testing.T) {
		e := newTestEnv(t, nil)
		_ = e.convs.Append(context.Background(), conv, convlog.Turn{Question: "q", Resolved: "q"})
		e.postEvent(t, "Ev5", mention("C1", "1700000000.000300", thread, "那省级的呢？"), nil)
		_ = e.svc.Close()
		if n := len(e.fake.callsTo("conversations.replies")); n != 0 {
			t.Errorf("%d conversations.replies calls, want 0", n)
		}
	})
}

func TestDirectMessageHistoryRestored(t *testing.T) {
	e := newTestEnv(t, nil)
	e.fake.mu.Lock()
	e.fake.history["D1"] = []slack.Message{
		humanMessage("1700000000.000100", "", "首次被认定为国家级专精特新小巨人企业奖励多少？"),
		answerMessage("1700000000.000200", "", "slack:D1", "首次被认定为国家级专精特新小巨人企业奖励多少？", "小巨人奖励"),
	}
	e.fake.mu.Unlock()
	e.postEvent(t, "Ev1", message("D1", "im", "1700000000.000300", "", "那省级的呢？"), nil)
	e.fake.waitFor(t, "chat.update", 1)
	if turns, _ := e.convs.Recent(context.Background(), "slack:D1", 4); len(turns) != 1 || turns[0].Resolved != "小巨人奖励" {
		t.Errorf("restored turns = %+v, want the earlier answer", turns)
	}
}

func TestSlashCommand(t *testing.T) {
	e := newTestEnv(t, nil)
	form := url.Values{
		"command": {"/policy"}, "text": {"首次被认定为国家级专精特新小巨人企业奖励多少？"},
		"user_id": {"U1"}, "channel_id": {"C9"}, "team_id": {"T1"},
		"response_url": {e.fake.responseURL()}, "trigger_id": {"123.456.abc"},
	}
	w := e.post(t, "/slack/commands", "application/x-www-form-urlencoded", form.Encode(), nil)
	var ack commandAck
	if err := json.Unmarshal(w.Body.Bytes(), &ack); w.Code != http.StatusOK || err != nil || ack.ResponseType != "ephemeral" || ack.Text != placeholderText {
		t.Fatalf("slash command ack = %d %q, want 200 with an ephemeral %q", w.Code, w.Body.String(), placeholderText)
	}
	r := e.fake.waitFor(t, "response", 1)[0]
	if r.JSON["replace_original"] != true || r.JSON["response_type"] != "ephemeral" {
		t.Errorf("response = %v, want it to replace the ephemeral ack", r.JSON)
	}
	for _, want := range []string{"50万元", articleLink, "slack:C9:U1/1700000000.000000"} {
		if !strings.Contains(texts(r.decodedBlocks(t)), want) {
			t.Errorf("response blocks lack %q: %s", want, r.blocks())
		}
	}
	if reqs := e.asker.requests(); len(reqs) != 1 || reqs[0].ConversationID != "slack:C9:U1" {
		t.Errorf("asked %+v, want conversation slack:C9:U1", reqs)
	}

	t.Run("the ack cannot be replaced", func(t *testing.T) {
		e := newTestEnv(t, nil)
		e.fake.failing["response"] = 1
		form.Set("response_url", e.fake.responseURL())
		e.post(t, "/slack/commands", "application/x-www-form-urlencoded", form.Encode(), nil)
		r := e.fake.waitFor(t, "response", 1)[0]
		if r.JSON["replace_original"] != false || !strings.Contains(texts(r.decodedBlocks(t)), "50万元") {
			t.Errorf("response = %v, want the answer as a new message", r.JSON)
		}
	})
	t.Run("bot error", func(t *testing.T) {
		e := newTestEnv(t, &fakeAsker{fn: func(context.Context, bot.Request) (bot.Answer, error) { return bot.Answer{}, errors.New("boom") }})
		form.Set("response_url", e.fake.responseURL())
		e.post(t, "/slack/commands", "application/x-www-form-urlencoded", form.Encode(), nil)
		r := e.fake.waitFor(t, "response", 1)[0]
		if r.JSON["replace_original"] != true || !strings.HasPrefix(r.JSON["text"].(string), "抱歉") {
			t.Errorf("response = %v, want the ack replaced by an apology", r.JSON)
		}
	})
	t.Run("empty", func(t *testing.T) {
		form.Set("text", "  ")
		w := e.post(t, "/slack/commands", "application/x-www-form-urlencoded", form.Encode(), nil)
		if !strings.Contains(w.Body.String(), "例如") {
			t.Errorf("empty slash command ack = %q, want the usage", w.Body.String())
		}
	})
}

// clickPayload is a block_actions payload of a feedback button.
func clickPayload(responseURL, action, value string) string {
	j, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U7"}, "response_url": responseURL,
		"container": map[string]any{"type": "message", "message_ts": "1700000100.000001", "channel_id": "C1"},
		"actions":   []map[string]any{{"type": "button", "action_id": action, "block_id": feedbackBlockID, "value": value, "action_ts": "1700000200.1"}},
	})
	return string(j)
}

func TestFeedbackButton(t *testing.T) {
	e := newTestEnv(t, nil)
	const id = "slack:C1:1700000000.000100/1700000000.000100"
	w := e.post(t, "/slack/interactions", "application/x-www-form-urlencoded", url.Values{"payload": {clickPayload(e.fake.responseURL(), actionDown, id)}}.Encode(), nil)
	if w.Code != http.StatusOK {
		t.Fatalf("POST /slack/interactions = %d", w.Code)
	}
	r := e.fake.waitFor(t, "response", 1)[0]
	if r.JSON["text"] != thanksText || r.JSON["replace_original"] != false {
		t.Errorf("acknowledgement = %v, want an ephemeral thanks", r.JSON)
	}
	want := convlog.Feedback{MessageID: id, Rating: convlog.RatingDown, CreatedAt: e.now}
	if got := e.fb.saved(); len(got) != 1 || got[0] != want {
		t.Errorf("feedback saved = %+v, want %+v", got, want)
	}

	t.Run("store fails", func(t *testing.T) {
		e := newTestEnv(t, nil)
		e.fb.err = errors.New("disk full")
		e.post(t, "/slack/interactions", "application/x-www-form-urlencoded", url.Values{"payload": {clickPayload(e.fake.responseURL(), actionUp, id)}}.Encode(), nil)
		if r := e.fake.waitFor(t, "response", 1)[0]; r.JSON["text"] != feedbackErrText {
			t.Errorf("acknowledgement = %v, want %q", r.JSON, feedbackErrText)
		}
	})
}

func TestRateLimitHonoured(t *testing.T) {
	e := newTestEnv(t, nil)
	e.fake.limited["chat.postMessage"] = 1
	e.postEvent(t, "Ev1", mention("C1", "1700000000.000100", "", "小巨人奖励多少"), nil)
	e.fake.waitFor(t, "chat.update", 1)
	limited, ok := e.fake.callsTo("chat.postMessage (429)"), e.fake.callsTo("chat.postMessage")
	if len(limited) != 1 || len(ok) != 1 {
		t.Fatalf("calls = %v, want one 429 then one post", e.fake.methods())
	}
	if gap := ok[0].At.Sub(limited[0].At); gap < 900*time.Millisecond {
		t.Errorf("retried after %s, want the Retry-After of 1 s", gap)
	}
}

func TestFailureApologizes(t *testing.T) {
	tests := []struct {
		name string
		err  error
		text string
		want string
	}{
		{"bot error", errors.New("index unavailable"), "小巨人奖励多少", "抱歉，查询政策时出了点问题"},
		{"empty question", nil, "", "请写下您想问的政策问题"},
		{"too long", nil, strings.Repeat("奖", bot.MaxMessageRunes+1), "问题太长了"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			asker := &fakeAsker{fn: func(context.Context, bot.Request) (bot.Answer, error) { return bot.Answer{}, tc.err }}
			e := newTestEnv(t, asker)
			e.postEvent(t, "Ev1", mention("C1", "1700000000.000100", "", tc.text), nil)
			up := e.fake.waitFor(t, "chat.update", 1)[0]
			if up.Form.Get("channel") != "C1" || up.Form.Get("ts") != "1700000100.000001" || !strings.Contains(up.Form.Get("text"), tc.want) {
				t.Errorf("chat.update %v, want the placeholder replaced with %q", up.Form, tc.want)
			}
		})
	}
	t.Run("no placeholder either", func(t *testing.T) {
		asker := &fakeAsker{fn: func(context.Context, bot.Request) (bot.Answer, error) { return bot.Answer{}, errors.New("boom") }}
		e := newTestEnv(t, asker)
		e.fake.limited["chat.postMessage"] = maxRateLimitRetries + 1 // the placeholder gives up
		e.postEvent(t, "Ev1", mention("C1", "1700000000.000100", "", "小巨人"), nil)
		p := e.fake.waitFor(t, "chat.postMessage", 1)[0].Form
		if p.Get("thread_ts") != "1700000000.000100" || !strings.Contains(p.Get("text"), "抱歉") {
			t.Errorf("apology = %v, want it posted in the thread", p)
		}
	})
}

func TestShutdownRefusesNewEvents(t *testing.T) {
	e := newTestEnv(t, nil)
	_ = e.svc.Close()
	w := e.post(t, "/slack/events", "application/json", eventBody("Ev1", mention("C1", "1700000000.000100", "", "q")), nil)
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("event after shutdown = %d, want 503 (Slack retries it elsewhere)", w.Code)
	}
}

func TestShutdown(t *testing.T) {
	t.Run("waits for answers in flight", func(t *testing.T) {
		release := make(chan struct{})
		e := newTestEnv(t, &fakeAsker{fn: func(ctx context.Context, req bot.Request) (bot.Answer, error) {
			<-release
			return giantAnswer(req), nil
		}})
		e.postEvent(t, "Ev1", mention("C1", "1700000000.000100", "", "小巨人奖励多少"), nil)
		e.fake.waitFor(t, "chat.postMessage", 1)
		closed := make(chan error)
		go func() { closed <- e.svc.Close() }()
		close(release)
		if err := <-closed; err != nil {
			t.Fatal(err)
		}
		if n := len(e.fake.callsTo("chat.update")); n != 1 {
			t.Errorf("Close returned with %d answers posted, want 1", n)
		}
	})
	t.Run("gives up at its deadline with an apology", func(t *testing.T) {
		e := newTestEnv(t, &fakeAsker{fn: func(ctx context.Context, req bot.Request) (bot.Answer, error) {
			<-ctx.Done()
			return bot.Answer{}, ctx.Err()
		}})
		e.postEvent(t, "Ev1", mention("C1", "1700000000.000100", "", "小巨人奖励多少"), nil)
		e.fake.waitFor(t, "chat.postMessage", 1)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := e.svc.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown = %v, want DeadlineExceeded", err)
		}
		up := e.fake.callsTo("chat.update")
		if len(up) != 1 || !strings.Contains(up[0].Form.Get("text"), "重启") {
			t.Errorf("updates = %+v, want the placeholder replaced by an apology", up)
		}
	})
}

func TestRecordGetsTheButtonsMessageID(t *testing.T) {
	e := newTestEnv(t, nil)
	e.postEvent(t, "Ev9", mention("C1", "1700000000.000200", "", "小巨人奖励多少"), nil)
	up := e.fake.waitFor(t, "chat.update", 1)[0]
	value := up.decodedBlocks(t)[3]["elements"].([]any)[0].(map[string]any)["value"]
	ms := e.fb.messages()
	if len(ms) != 1 || ms[0].ID != value || ms[0].Question != "小巨人奖励多少" || ms[0].Channel != convlog.ChannelSlack ||
		ms[0].ConversationID != "slack:C1:1700000000.000200" || ms[0].Answer == "" || !ms[0].CreatedAt.Equal(e.now) {
		t.Errorf("messages recorded = %+v, buttons carry %v; want the question and answer under the buttons' id, from slack, at the clock's time", ms, value)
	}
}
