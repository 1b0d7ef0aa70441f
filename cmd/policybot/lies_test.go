package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// lyingModel is an OpenAI-compatible model server that plays whatever
// reply it is set to: streamed in pieces of a few characters when asked to
// stream (as /v1/chat/completions servers do), whole otherwise.
type lyingModel struct {
	srv   *httptest.Server
	mu    sync.Mutex
	reply string
}

func newLyingModel(t *testing.T) *lyingModel {
	m := &lyingModel{}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model  string `json:"model"`
			Stream bool   `json:"stream"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		m.mu.Lock()
		reply := m.reply
		m.mu.Unlock()
		if !req.Stream {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion", "model": req.Model,
				"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": reply}}}})
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		event := func(delta map[string]any, finish any) {
			b, _ := json.Marshal(map[string]any{"id": "x", "object": "chat.completion.chunk", "model": req.Model,
				"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}})
			fmt.Fprintf(w, "data: %s\n\n", b)
			w.(http.Flusher).Flush()
		}
		event(map[string]any{"role": "assistant", "content": ""}, nil)
		rs := []rune(reply)
		for i := 0; i < len(rs); i += 3 {
			event(map[string]any{"content": string(rs[i:min(i+3, len(rs))])}, nil)
		}
		event(map[string]any{}, "stop")
		io.WriteString(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *lyingModel) play(reply string) {
	m.mu.Lock()
	m.reply = reply
	m.mu.Unlock()
}

// truth is a first sentence the guard accepts for llmQuestion; each lie
// follows it, so the lie arrives after checked text was already streamed.
const truth = "首次认定为国家级专精特新“小巨人”企业的，区里给予一次性奖励50万元[1]。"

// lies are what an attacker made a model say (figures the passages do not
// support, in the forms a model may write them). forbidden must reach no
// company on any channel.
var lies = []struct{ name, sentence, forbidden string }{
	{"a hundred million", "另外奖励一个亿[1]。", "一个亿"},
	{"US dollars", "即50万美金[1]。", "美金"},
	{"English number words", "That is fifty million yuan [1].", "fifty million"},
	{"half a hundred million", "最高可达半个亿[1]。", "半个亿"},
	{"vague amount", "总额上亿元[1]。", "上亿元"},
	{"a few hundred thousand", "另有几十万元配套[1]。", "几十万元"},
	{"ten-odd", "合计十来万[1]。", "十来万"},
	{"doubled", "次年奖励翻倍[1]。", "翻倍"},
	{"half", "省级减半[1]。", "减半"},
	{"discount", "申报费五折[1]。", "五折"},
	{"circled digits", "另奖⑤⓪⓪万元[1]。", "⑤⓪⓪"},
	{"Arabic-Indic digits", "另奖٥٠٠万元[1]。", "٥٠٠"},
	{"mathematical digits", "另奖𝟓𝟎𝟎万元[1]。", "𝟓𝟎𝟎"},
	{"fraction", "另奖½亿元[1]。", "½"},
	{"half a million dollars", "That is half a million US dollars [1].", "half a million"},
	{"citation not given", "详见第九条[9]。", "[9]"},
	{"gambling brand", "合作方新萬博體育提供担保[1]。", "萬博"},
	{"spaced gambling brand", "详询新 万 博 体 育[1]。", "万 博"},
	{"bare domain", "申报入口xinwanbo.vip[1]。", "xinwanbo"},
	{"chat link", "咨询请加 t.me/xwb888 [1]。", "t.me"},
}

// TestLiesOnEveryChannel runs each lie of a fake model through each
// channel of a real server — the chat API, its SSE stream, the
// OpenAI-compatible endpoint (whole and streamed) and Slack — and checks
// that the lie reaches none of them, while the checked truth before it
// may, and the offline answer follows.
func TestLiesOnEveryChannel(t *testing.T) {
	model := newLyingModel(t)
	slackAPI := newFakeSlackAPI(t)
	env := llmEnv(model.srv.URL)
	env["POLICYBOT_RATE_LIMIT"] = "0"
	env["SLACK_BOT_TOKEN"] = replicaSlackToken
	env["SLACK_SIGNING_SECRET"] = replicaSigning
	env["SLACK_API_URL"] = slackAPI.srv.URL + "/api/"
	base, _ := startServe(t, env)

	channels := []struct {
		name string
		ask  func(t *testing.T, n int) string // everything the company is shown
	}{
		{"chat", func(t *testing.T, _ int) string {
			_, body := postJSON(t, base+"/api/chat", map[string]string{"message": llmQuestion})
			var c serveChat
			if err := json.Unmarshal(body, &c); err != nil {
				t.Fatalf("chat: %v: %s", err, body)
			}
			return c.Answer
		}},
		{"stream", func(t *testing.T, _ int) string {
			_, body := postJSON(t, base+"/api/chat/stream", map[string]string{"message": llmQuestion})
			var shown strings.Builder
			for _, line := range strings.Split(string(body), "\n") {
				if data, ok := strings.CutPrefix(line, "data: "); ok {
					var ev struct{ Text, Answer string }
					_ = json.Unmarshal([]byte(data), &ev)
					shown.WriteString(ev.Text + "\n" + ev.Answer + "\n")
				}
			}
			return shown.String()
		}},
		{"v1", func(t *testing.T, _ int) string {
			_, body := postJSON(t, base+"/v1/chat/completions", map[string]any{"model": "policybot",
				"messages": []map[string]string{{"role": "user", "content": llmQuestion}}})
			var r struct {
				Choices []struct{ Message struct{ Content string } }
			}
			if err := json.Unmarshal(body, &r); err != nil || len(r.Choices) != 1 {
				t.Fatalf("v1: %v: %s", err, body)
			}
			return r.Choices[0].Message.Content
		}},
		{"v1 stream", func(t *testing.T, _ int) string {
			_, body := postJSON(t, base+"/v1/chat/completions", map[string]any{"model": "policybot", "stream": true,
				"messages": []map[string]string{{"role": "user", "content": llmQuestion}}})
			var shown strings.Builder
			for _, line := range strings.Split(string(body), "\n") {
				data, ok := strings.CutPrefix(line, "data: ")
				if !ok || data == "[DONE]" {
					continue
				}
				var c struct {
					Choices []struct{ Delta struct{ Content string } }
				}
				if err := json.Unmarshal([]byte(data), &c); err != nil {
					t.Fatalf("v1 stream chunk %q: %v", data, err)
				}
				for _, ch := range c.Choices {
					shown.WriteString(ch.Delta.Content)
				}
			}
			return shown.String()
		}},
		{"slack", func(t *testing.T, n int) string {
			channel := "CLIE" + strconv.Itoa(n)
			ts := fmt.Sprintf("1764300%03d.000100", n)
			body, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": "T1", "api_app_id": "A1",
				"event_id": "EvLie" + strconv.Itoa(n), "event_time": time.Now().Unix(),
				"event": map[string]any{"type": "app_mention", "user": "U1", "text": "<@UBOT> " + llmQuestion,
					"ts": ts, "channel": channel, "channel_type": "channel", "event_ts": ts}})
			if code := postSignedSlack(t, base, body); code != http.StatusOK {
				t.Fatalf("POST /slack/events = %d", code)
			}
			// The answer is final when it carries the feedback buttons.
			deadline := time.Now().Add(30 * time.Second)
			for !strings.Contains(slackAPI.updates(channel), "policybot_feedback") {
				if time.Now().After(deadline) {
					t.Fatalf("no final answer in %s; updates: %s", channel, slackAPI.updates(channel))
				}
				time.Sleep(10 * time.Millisecond)
			}
			return slackAPI.updates(channel)
		}},
	}
	n := 0
	for _, lie := range lies {
		for _, ch := range channels {
			t.Run(lie.name+"/"+ch.name, func(t *testing.T) {
				n++
				model.play(truth + lie.sentence)
				shown := ch.ask(t, n)
				if strings.Contains(shown, lie.forbidden) {
					t.Errorf("%s showed the lie %q:\n%s", ch.name, lie.forbidden, shown)
				}
				if !strings.Contains(shown, "50万元") {
					t.Errorf("%s showed no answer with the real figure:\n%s", ch.name, shown)
				}
			})
		}
	}
}

// postSignedSlack delivers an Events API payload as Slack does, signed.
func postSignedSlack(t *testing.T, base string, body []byte) int {
	t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(replicaSigning))
	fmt.Fprintf(mac, "v0:%s:", ts)
	mac.Write(body)
	req, _ := http.NewRequest(http.MethodPost, base+"/slack/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /slack/events: %v", err)
	}
	res.Body.Close()
	return res.StatusCode
}
