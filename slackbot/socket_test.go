package slackbot

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// envelopeJSON is a Socket Mode envelope as Slack sends it.
func envelopeJSON(id, typ string, retry int, payload any) string {
	j, _ := json.Marshal(map[string]any{
		"envelope_id": id, "type": typ, "accepts_response_payload": typ == "slash_commands",
		"retry_attempt": retry, "payload": payload,
	})
	return string(j)
}

// ackOf waits for the ack of an envelope and returns it.
func ackOf(tb testing.TB, f *fakeSlack, envelopeID string) map[string]any {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, c := range f.callsTo("ws") {
			if c.JSON["envelope_id"] == envelopeID {
				return c.JSON
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatalf("envelope %s not acknowledged; calls: %v", envelopeID, f.methods())
	return nil
}

func TestSocketMode(t *testing.T) {
	e := newTestEnv(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.svc.RunSocketMode(ctx) }()

	// An app mention, delivered twice (Slack retries unacknowledged
	// envelopes): answered once.
	var ev map[string]any
	_ = json.Unmarshal([]byte(eventBody("Ev1", mention("C1", "1700000000.000100", "", "首次被认定为国家级专精特新小巨人企业奖励多少？"))), &ev)
	e.fake.srv.SendToWebsocket(envelopeJSON("env-1", "events_api", 0, ev))
	ackOf(t, e.fake, "env-1")
	up := e.fake.waitFor(t, "chat.update", 1)[0]
	if !strings.Contains(texts(up.decodedBlocks(t)), articleLink) {
		t.Errorf("answer lacks the citation link: %s", up.blocks())
	}
	e.fake.srv.SendToWebsocket(envelopeJSON("env-1b", "events_api", 1, ev))
	ackOf(t, e.fake, "env-1b")

	// The slash command: its ack carries the placeholder.
	e.fake.srv.SendToWebsocket(envelopeJSON("env-2", "slash_commands", 0, map[string]any{
		"command": "/policy", "text": "首次被认定为国家级专精特新小巨人企业奖励多少？", "user_id": "U1",
		"channel_id": "C9", "response_url": e.fake.responseURL(), "trigger_id": "t1",
	}))
	ack := ackOf(t, e.fake, "env-2")
	if p, _ := ack["payload"].(map[string]any); p["text"] != placeholderText || p["response_type"] != "ephemeral" {
		t.Errorf("slash command ack = %v, want the ephemeral placeholder", ack)
	}
	e.fake.waitFor(t, "response", 1)

	// A 👍 click.
	var click map[string]any
	_ = json.Unmarshal([]byte(clickPayload(e.fake.responseURL(), actionUp, "slack:C1:1/1")), &click)
	e.fake.srv.SendToWebsocket(envelopeJSON("env-3", "interactive", 0, click))
	ackOf(t, e.fake, "env-3")
	e.fake.waitFor(t, "response", 2)
	if got := e.fb.saved(); len(got) != 1 || got[0].Rating != "up" || got[0].MessageID != "slack:C1:1/1" {
		t.Errorf("feedback = %+v, want one 👍 on slack:C1:1/1", got)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("RunSocketMode after cancel = %v, want nil", err)
	}
	if n := len(e.fake.callsTo("chat.postMessage")); n != 1 {
		t.Errorf("%d messages posted for one mention delivered twice, want 1", n)
	}
}

func TestSocketModeNeedsAppToken(t *testing.T) {
	svc, err := New(Config{BotToken: "xoxb-test"}, &fakeAsker{}, &fakeLog{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.RunSocketMode(context.Background()); err == nil {
		t.Error("RunSocketMode without an app token = nil, want an error")
	}
}
