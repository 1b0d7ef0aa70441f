package slackbot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"

	"policybot/bot"
	"policybot/bot/convlog"
)

// The fake workspace's ids.
const (
	botUserID     = "UBOT"
	botID         = "BBOT"
	testSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	testPublicURL = "https://policy.example.cn"
)

// apiCall is one request the fake Slack received.
type apiCall struct {
	Method string
	Form   url.Values     // Web API calls (form-encoded)
	JSON   map[string]any // response_url posts
	At     time.Time
}

// blocks returns the call's blocks as JSON text ("" if none).
func (c apiCall) blocks() string {
	if c.Form != nil {
		return c.Form.Get("blocks")
	}
	if b, ok := c.JSON["blocks"]; ok {
		j, _ := json.Marshal(b)
		return string(j)
	}
	return ""
}

// decodedBlocks returns the call's blocks decoded.
func (c apiCall) decodedBlocks(tb testing.TB) []map[string]any {
	tb.Helper()
	var bs []map[string]any
	if j := c.blocks(); j != "" {
		if err := json.Unmarshal([]byte(j), &bs); err != nil {
			tb.Fatalf("blocks of %s: %v\n%s", c.Method, err, j)
		}
	}
	return bs
}

// fakeSlack is slacktest's server with the Web API methods the adapter
// calls handled and recorded.
type fakeSlack struct {
	srv *slacktest.Server

	mu      sync.Mutex
	calls   []apiCall
	next    int                        // for message timestamps
	replies map[string][]slack.Message // "channel/thread_ts" → thread, oldest first
	history map[string][]slack.Message // channel → messages, oldest first
	limited map[string]int             // method → 429s to answer first
	failing map[string]int             // method → 404s to answer first
	notify  chan struct{}
}

func newFakeSlack(tb testing.TB) *fakeSlack {
	tb.Helper()
	f := &fakeSlack{
		replies: map[string][]slack.Message{}, history: map[string][]slack.Message{},
		limited: map[string]int{}, failing: map[string]int{}, notify: make(chan struct{}, 1),
	}
	f.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", f.handle("auth.test", func(url.Values) any {
			return map[string]any{"ok": true, "user_id": botUserID, "bot_id": botID, "team_id": "T1"}
		}))
		c.Handle("/chat.postMessage", f.handle("chat.postMessage", func(v url.Values) any {
			return map[string]any{"ok": true, "channel": v.Get("channel"), "ts": f.newTS()}
		}))
		c.Handle("/chat.update", f.handle("chat.update", func(v url.Values) any {
			return map[string]any{"ok": true, "channel": v.Get("channel"), "ts": v.Get("ts"), "text": v.Get("text")}
		}))
		c.Handle("/conversations.replies", f.handle("conversations.replies", func(v url.Values) any {
			f.mu.Lock()
			defer f.mu.Unlock()
			return map[string]any{"ok": true, "has_more": false, "messages": f.replies[v.Get("channel")+"/"+v.Get("ts")]}
		}))
		c.Handle("/conversations.history", f.handle("conversations.history", func(v url.Values) any {
			f.mu.Lock()
			defer f.mu.Unlock()
			var newestFirst []slack.Message
			for _, m := range f.history[v.Get("channel")] {
				if latest := v.Get("latest"); latest == "" || tsLess(m.Timestamp, latest) {
					newestFirst = append([]slack.Message{m}, newestFirst...)
				}
			}
			return map[string]any{"ok": true, "has_more": false, "messages": newestFirst}
		}))
		c.Handle("/response/", func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			var j map[string]any
			if err := json.Unmarshal(body, &j); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			if f.rateLimited("response") {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			if f.failed("response") {
				f.record(apiCall{Method: "response (404)", JSON: j, At: time.Now()})
				http.Error(w, "message_not_found", http.StatusNotFound)
				return
			}
			f.record(apiCall{Method: "response", JSON: j, At: time.Now()})
			_, _ = io.WriteString(w, "ok")
		})
	})
	f.srv.Start()
	// slacktest blocks its websocket reader until someone reads what the
	// client sent (the Socket Mode acks); keep them.
	go func() {
		for m := range f.srv.SeenFeed {
			f.record(apiCall{Method: "ws", JSON: decodeJSON(m), At: time.Now()})
		}
	}()
	tb.Cleanup(f.srv.Stop)
	return f
}

func decodeJSON(s string) map[string]any {
	var j map[string]any
	_ = json.Unmarshal([]byte(s), &j)
	return j
}

func (f *fakeSlack) url() string         { return f.srv.GetAPIURL() }
func (f *fakeSlack) responseURL() string { return "http://" + f.srv.ServerAddr + "/response/abc" }

func (f *fakeSlack) newTS() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	return fmt.Sprintf("1700000100.%06d", f.next)
}

func (f *fakeSlack) rateLimited(method string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.limited[method] > 0 {
		f.limited[method]--
		return true
	}
	return false
}

func (f *fakeSlack) failed(method string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing[method] > 0 {
		f.failing[method]--
		return true
	}
	return false
}

func (f *fakeSlack) handle(method string, reply func(url.Values) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if f.rateLimited(method) {
			f.record(apiCall{Method: method + " (429)", Form: r.PostForm, At: time.Now()})
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		f.record(apiCall{Method: method, Form: r.PostForm, At: time.Now()})
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(reply(r.PostForm))
	}
}

func (f *fakeSlack) record(c apiCall) {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	select {
	case f.notify <- struct{}{}:
	default:
	}
}

// callsTo returns the calls of one method so far.
func (f *fakeSlack) callsTo(method string) []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// waitFor waits until n calls of method arrived and returns them.
func (f *fakeSlack) waitFor(tb testing.TB, method string, n int) []apiCall {
	tb.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if cs := f.callsTo(method); len(cs) >= n {
			return cs
		}
		select {
		case <-f.notify:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			tb.Fatalf("fake Slack got %d %s calls, want %d; all calls: %v", len(f.callsTo(method)), method, n, f.methods())
		}
	}
}

func (f *fakeSlack) methods() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var m []string
	for _, c := range f.calls {
		m = append(m, c.Method)
	}
	return m
}

func (f *fakeSlack) setReplies(channel, threadTS string, msgs ...slack.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies[channel+"/"+threadTS] = msgs
}

// fakeAsker answers from a function and records the requests.
type fakeAsker struct {
	mu   sync.Mutex
	reqs []bot.Request
	fn   func(ctx context.Context, req bot.Request) (bot.Answer, error)
}

func (a *fakeAsker) Ask(ctx context.Context, req bot.Request) (bot.Answer, error) {
	a.mu.Lock()
	a.reqs = append(a.reqs, req)
	fn := a.fn
	a.mu.Unlock()
	if fn == nil {
		return giantAnswer(req), nil
	}
	return fn(ctx, req)
}

func (a *fakeAsker) requests() []bot.Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]bot.Request(nil), a.reqs...)
}

// giantAnswer is the bot's answer on the 小巨人 reward.
func giantAnswer(req bot.Request) bot.Answer {
	c := convlog.Citation{
		Doc: "wz-mfg-2025", Article: 6, Label: "第六条", Title: "区促进制造业高质量发展若干政策",
		Department: "区工信局", Quote: "首次认定为国家级专精特新“小巨人”企业的，给予一次性奖励50万元", Sample: true,
	}
	return bot.Answer{
		ConversationID: req.ConversationID,
		Text:           "根据《" + c.Title + "》第六条：\n“" + c.Quote + "”\n责任部门：区工信局 <R&D>",
		Notice:         bot.SampleNotice,
		Citations:      []convlog.Citation{c},
		Query:          "首次被认定为国家级专精特新小巨人企业奖励多少",
		Topic:          "首次被认定为国家级专精特新小巨人企业奖励多少",
	}
}

// fakeLog records what it is given: the messages and the feedback.
type fakeLog struct {
	mu   sync.Mutex
	msgs []convlog.Message
	got  []convlog.Feedback
	err  error // of SaveFeedback
}

func (f *fakeLog) SaveMessage(_ context.Context, m convlog.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, m)
	return nil
}

func (f *fakeLog) SaveFeedback(_ context.Context, fb convlog.Feedback) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.got = append(f.got, fb)
	return nil
}

func (f *fakeLog) saved() []convlog.Feedback {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]convlog.Feedback(nil), f.got...)
}

func (f *fakeLog) messages() []convlog.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]convlog.Message(nil), f.msgs...)
}

// testEnv is a Service wired to the fakes, with a fixed clock.
type testEnv struct {
	fake  *fakeSlack
	svc   *Service
	asker *fakeAsker
	fb    *fakeLog
	convs *convlog.Memory
	now   time.Time
	h     http.Handler
}

func newTestEnv(tb testing.TB, asker Asker) *testEnv {
	tb.Helper()
	e := &testEnv{
		fake: newFakeSlack(tb), fb: &fakeLog{}, convs: convlog.NewMemory(100),
		now: time.Unix(1700000000, 0),
	}
	if asker == nil {
		e.asker = &fakeAsker{}
		asker = e.asker
	}
	svc, err := New(Config{
		BotToken: "xoxb-test", AppToken: "xapp-test", SigningSecret: testSecret,
		APIURL: e.fake.url(), PublicURL: testPublicURL + "/", Conversations: e.convs,
		Now: func() time.Time { return e.now },
	}, asker, e.fb, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = svc.Close() })
	e.svc, e.h = svc, svc.Handler()
	return e
}

// sign returns the headers Slack sends with body at ts.
func sign(secret string, ts int64, body string) http.Header {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:%s", ts, body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

// post sends a correctly signed request to the handler.
func (e *testEnv) post(tb testing.TB, path, contentType, body string, extra http.Header) *httptest.ResponseRecorder {
	tb.Helper()
	h := sign(testSecret, e.now.Unix(), body)
	for k, v := range extra {
		h[k] = v
	}
	return e.send(path, contentType, body, h)
}

func (e *testEnv) send(path, contentType, body string, h http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	for k, v := range h {
		r.Header[k] = v
	}
	r.Header.Set("Content-Type", contentType)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// postEvent sends an Events API callback and wants 200.
func (e *testEnv) postEvent(tb testing.TB, eventID string, ev map[string]any, extra http.Header) {
	tb.Helper()
	body := eventBody(eventID, ev)
	if w := e.post(tb, "/slack/events", "application/json", body, extra); w.Code != http.StatusOK {
		tb.Fatalf("POST /slack/events = %d %q, want 200", w.Code, w.Body.String())
	}
}

func eventBody(eventID string, ev map[string]any) string {
	j, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": 1700000000, "event": ev,
		"authorizations": []map[string]any{{"team_id": "T1", "user_id": botUserID, "is_bot": true}},
	})
	return string(j)
}

func mention(channel, ts, threadTS, text string) map[string]any {
	ev := map[string]any{"type": "app_mention", "user": "U1", "text": "<@" + botUserID + "> " + text,
		"ts": ts, "channel": channel, "event_ts": ts}
	if threadTS != "" {
		ev["thread_ts"] = threadTS
	}
	return ev
}

func message(channel, channelType, ts, threadTS, text string) map[string]any {
	ev := map[string]any{"type": "message", "user": "U1", "text": text, "ts": ts,
		"channel": channel, "channel_type": channelType, "event_ts": ts}
	if threadTS != "" {
		ev["thread_ts"] = threadTS
	}
	return ev
}
