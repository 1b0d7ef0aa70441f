package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"policybot/bot"
	"policybot/bot/convlog"
	"policybot/policies"
	"policybot/retrieval"
	"policybot/store"
	"policybot/web"
)

// The handler tests run the real server over the bundled corpus, the real
// bot and a real SQLite store in a temporary directory; fakes stand in only
// for what the real bot cannot be made to do (fail, fall back, replace).

var (
	corpusOnce sync.Once
	corpusDocs []*policies.Document
	corpusIx   *retrieval.Index
	corpusErr  error
)

// testNow is the clock of every test server: the bundled documents are in
// force then.
var testNow = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func bundledIndex(tb testing.TB) ([]*policies.Document, *retrieval.Index) {
	tb.Helper()
	corpusOnce.Do(func() {
		var c *policies.Corpus
		if c, corpusErr = policies.Bundled(); corpusErr != nil {
			return
		}
		corpusDocs = c.Valid()
		corpusIx, corpusErr = retrieval.Open(context.Background(), corpusDocs, retrieval.Options{Now: func() time.Time { return testNow }})
	})
	if corpusErr != nil {
		tb.Fatal(corpusErr)
	}
	return corpusDocs, corpusIx
}

// testEnv is a running test server and what it is made of.
type testEnv struct {
	*httptest.Server
	store *store.SQLite
}

// counter returns an id maker: prefix-1, prefix-2, …
func counter(prefix string) func() string {
	var n atomic.Int64
	return func() string { return fmt.Sprintf("%s-%d", prefix, n.Add(1)) }
}

// newTestServer starts the whole server over the bundled corpus. answerer,
// when not nil, replaces the real bot. The browser tests use it too.
func newTestServer(tb testing.TB, opts web.Options, answerer web.Answerer) *testEnv {
	tb.Helper()
	return newTestServerWith(tb, opts, answerer, nil)
}

// newTestServerWith is newTestServer with edits to the server's Deps (a
// logger, a readiness check) made by with, when not nil.
func newTestServerWith(tb testing.TB, opts web.Options, answerer web.Answerer, with func(*web.Deps)) *testEnv {
	tb.Helper()
	docs, ix := bundledIndex(tb)
	st, err := store.OpenSQLite(context.Background(), filepath.Join(tb.TempDir(), "policybot.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if answerer == nil {
		b, err := bot.New(bot.Config{
			Index: ix, Conversations: st, Contact: "区政务服务热线 12345",
			Now: func() time.Time { return testNow }, NewID: counter("conv"),
		})
		if err != nil {
			tb.Fatal(err)
		}
		answerer = b
	}
	d := web.Deps{
		Bot: answerer, Store: st, Documents: docs,
		Now: func() time.Time { return testNow }, NewID: counter("msg"), Options: opts,
	}
	if with != nil {
		with(&d)
	}
	h := web.NewServer(d)
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return &testEnv{Server: srv, store: st}
}

// post sends body (a string is sent as is, anything else as JSON).
func (e *testEnv) post(tb testing.TB, path string, body any, header ...string) *http.Response {
	tb.Helper()
	var r io.Reader
	switch b := body.(type) {
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			tb.Fatal(err)
		}
		r = strings.NewReader(string(data))
	}
	req, err := http.NewRequest(http.MethodPost, e.URL+path, r)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := e.Client().Do(req)
	if err != nil {
		tb.Fatalf("POST %s: %v", path, err)
	}
	tb.Cleanup(func() { res.Body.Close() })
	return res
}

func (e *testEnv) get(tb testing.TB, path string, header ...string) *http.Response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, e.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := e.Client().Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	tb.Cleanup(func() { res.Body.Close() })
	return res
}

func readBody(tb testing.TB, res *http.Response) string {
	tb.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func decode[T any](tb testing.TB, res *http.Response) T {
	tb.Helper()
	var v T
	body := readBody(tb, res)
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		tb.Fatalf("decode %q: %v", body, err)
	}
	return v
}

type chatResponse struct {
	ConversationID string `json:"conversation_id"`
	MessageID      string `json:"message_id"`
	Answer         string `json:"answer"`
	Refused        bool   `json:"refused"`
	Notice         string `json:"notice"`
	Citations      []struct {
		Doc        string `json:"doc"`
		Article    int    `json:"article"`
		Label      string `json:"label"`
		Title      string `json:"title"`
		Department string `json:"department"`
		URL        string `json:"url"`
		Quote      string `json:"quote"`
	} `json:"citations"`
}

type errorResponse struct {
	Error   string `json:"error"`
	ErrorZh string `json:"error_zh"`
	Code    string `json:"code"`
}

// syncBuffer is a log destination that handlers write to concurrently.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

const (
	qLittleGiant = "首次被认定为国家级专精特新小巨人企业奖励多少？"
	qHotel       = "新评定为四星级旅游饭店的奖励是多少"
	qFollowUp    = "那甲级民宿呢？"
	qWeather     = "明天会下雨吗"
)

func TestChat(t *testing.T) {
	e := newTestServer(t, web.Options{}, nil)
	res := e.post(t, "/api/chat", map[string]string{"message": qLittleGiant})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/chat = %d %s", res.StatusCode, readBody(t, res))
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	got := decode[chatResponse](t, res)
	if got.Refused || !strings.Contains(got.Answer, "50万元") {
		t.Errorf("answer = %q (refused %v), want 50万元", got.Answer, got.Refused)
	}
	if got.ConversationID != "conv-1" || got.MessageID != "msg-1" {
		t.Errorf("ids = %q, %q; want conv-1, msg-1", got.ConversationID, got.MessageID)
	}
	if got.Notice != bot.SampleNotice {
		t.Errorf("notice = %q, want the sample notice", got.Notice)
	}
	if len(got.Citations) != 1 {
		t.Fatalf("citations = %+v, want one", got.Citations)
	}
	c := got.Citations[0]
	if c.Doc != "wz-mfg-2025" || c.Article != 6 || c.Label != "第6条" || c.Title == "" || c.Department == "" || !strings.Contains(c.Quote, "50万元") {
		t.Errorf("citation = %+v, want wz-mfg-2025 第6条 quoting 50万元", c)
	}
	if want := e.URL + "/policies/wz-mfg-2025#article-6"; c.URL != want {
		t.Errorf("citation url = %q, want %q", c.URL, want)
	}

	m, err := e.store.Message(context.Background(), got.MessageID)
	if err != nil {
		t.Fatalf("the message was not saved: %v", err)
	}
	if m.Question != qLittleGiant || m.Answer != got.Answer || m.Channel != convlog.ChannelChat || len(m.Citations) != 1 || !m.CreatedAt.Equal(testNow) {
		t.Errorf("saved message = %+v", m)
	}
}

func TestChatFollowUp(t *testing.T) {
	e := newTestServer(t, web.Options{}, nil)
	first := decode[chatResponse](t, e.post(t, "/api/chat", map[string]string{"message": qHotel}))
	if !strings.Contains(first.Answer, "80万元") {
		t.Fatalf("first answer = %q, want 80万元", first.Answer)
	}
	second := decode[chatResponse](t, e.post(t, "/api/chat", map[string]string{"message": qFollowUp, "conversation_id": first.ConversationID}))
	if second.ConversationID != first.ConversationID || second.Refused || !strings.Contains(second.Answer, "30万元") {
		t.Errorf("follow-up = %+v, want 30万元 in conversation %s", second, first.ConversationID)
	}
	turns, err := e.store.Recent(context.Background(), first.ConversationID, 10)
	if err != nil || len(turns) != 2 {
		t.Errorf("stored turns = %v, %v; want 2", turns, err)
	}
	// Without the conversation an elliptical question has nothing to lean
	// on: the bot asks what it is about rather than guess.
	alone := decode[chatResponse](t, e.post(t, "/api/chat", map[string]string{"message": "那甲级的呢？"}))
	if len(alone.Citations) != 0 || strings.Contains(alone.Answer, "30万元") {
		t.Errorf("follow-up without its conversation answered %q", alone.Answer)
	}
}

func TestChatPublicURL(t *testing.T) {
	e := newTestServer(t, web.Options{PublicURL: "https://policybot.example.gov.cn/"}, nil)
	got := decode[chatResponse](t, e.post(t, "/api/chat", map[string]string{"message": qLittleGiant}))
	if len(got.Citations) == 0 || got.Citations[0].URL != "https://policybot.example.gov.cn/policies/wz-mfg-2025#article-6" {
		t.Errorf("citations = %+v, want links under POLICYBOT_PUBLIC_URL", got.Citations)
	}
}

func TestChatRefusal(t *testing.T) {
	e := newTestServer(t, web.Options{}, nil)
	got := decode[chatResponse](t, e.post(t, "/api/chat", map[string]string{"message": qWeather}))
	if !got.Refused || len(got.Citations) != 0 || got.Citations == nil {
		t.Errorf("refusal = %+v, want refused with an empty (not null) citation list", got)
	}
}

func TestChatErrors(t *testing.T) {
	e := newTestServer(t, web.Options{}, nil)
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		zh     string // part of error_zh
	}{
		{"malformed JSON", "POST", "/api/chat", `{"message": "小巨人`, 400, "JSON"},
		{"not an object", "POST", "/api/chat", `["小巨人"]`, 400, "JSON"},
		{"trailing data", "POST", "/api/chat", `{"message":"a"} {"message":"b"}`, 400, "JSON"},
		{"empty body", "POST", "/api/chat", ``, 400, "为空"},
		{"empty message", "POST", "/api/chat", map[string]string{"message": "  "}, 400, "消息为空"},
		{"too long", "POST", "/api/chat", map[string]string{"message": strings.Repeat("补", 1001)}, 413, "1000字"},
		{"too long streamed", "POST", "/api/chat/stream", map[string]string{"message": strings.Repeat("补", 1001)}, 413, "1000字"},
		{"body too large", "POST", "/api/chat", map[string]string{"message": strings.Repeat("x", 70000)}, 413, "过大"},
		{"bad conversation id", "POST", "/api/chat", map[string]string{"message": "小巨人", "conversation_id": "../etc"}, 400, "conversation_id"},
		{"wrong method", "GET", "/api/chat", nil, 405, "方法"},
		{"unknown endpoint", "POST", "/api/nothing", map[string]string{}, 404, "不存在"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var res *http.Response
			if tc.method == "GET" {
				res = e.get(t, tc.path)
			} else {
				res = e.post(t, tc.path, tc.body)
			}
			if res.StatusCode != tc.status {
				t.Errorf("%s %s = %d, want %d", tc.method, tc.path, res.StatusCode, tc.status)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want JSON", ct)
			}
			got := decode[errorResponse](t, res)
			if got.Error == "" || !strings.Contains(got.ErrorZh, tc.zh) {
				t.Errorf("error = %+v, want English and Chinese containing %q", got, tc.zh)
			}
		})
	}
	t.Run("exactly the limit", func(t *testing.T) {
		res := e.post(t, "/api/chat", map[string]string{"message": strings.Repeat("补", bot.MaxMessageRunes)})
		if res.StatusCode != http.StatusOK {
			t.Errorf("a message of %d characters = %d, want 200", bot.MaxMessageRunes, res.StatusCode)
		}
	})
}

// sseEvent is one Server-Sent Event.
type sseEvent struct{ name, data string }

// readSSE reads events until the body ends, checking the exact format:
// "event: NAME\ndata: JSON\n\n" (or data-only events).
func readSSE(tb testing.TB, body io.Reader) []sseEvent {
	tb.Helper()
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.data == "" {
				tb.Fatalf("event %q without data", cur.name)
			}
			out = append(out, cur)
			cur = sseEvent{}
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if cur.data != "" {
				tb.Fatalf("event %q has two data lines", cur.name)
			}
			cur.data = strings.TrimPrefix(line, "data: ")
		default:
			tb.Fatalf("unexpected SSE line %q", line)
		}
	}
	if cur != (sseEvent{}) {
		tb.Fatalf("stream ended inside an event: %+v", cur)
	}
	return out
}

func TestChatStream(t *testing.T) {
	e := newTestServer(t, web.Options{}, nil)
	res := e.post(t, "/api/chat/stream", map[string]string{"message": qLittleGiant})
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("POST /api/chat/stream = %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	events := readSSE(t, res.Body)
	var streamed strings.Builder
	var names []string
	for _, ev := range events {
		if len(names) == 0 || names[len(names)-1] != ev.name {
			names = append(names, ev.name)
		}
		if ev.name == "delta" {
			var d struct{ Text string }
			if err := json.Unmarshal([]byte(ev.data), &d); err != nil {
				t.Fatal(err)
			}
			streamed.WriteString(d.Text)
		}
	}
	if strings.Join(names, ",") != "delta,citations,done" {
		t.Fatalf("events = %v, want delta…, citations, done", names)
	}
	var cites []struct {
		Doc, Label, URL string
		Article         int
	}
	if err := json.Unmarshal([]byte(events[len(events)-2].data), &cites); err != nil {
		t.Fatal(err)
	}
	if len(cites) != 1 || cites[0].Doc != "wz-mfg-2025" || cites[0].Article != 6 || cites[0].Label != "第6条" || !strings.HasSuffix(cites[0].URL, "/policies/wz-mfg-2025#article-6") {
		t.Errorf("citations = %+v", cites)
	}
	var done struct {
		ConversationID string `json:"conversation_id"`
		MessageID      string `json:"message_id"`
		Answer         string `json:"answer"`
		Refused        *bool  `json:"refused"`
		Notice         string `json:"notice"`
		Replaced       *bool  `json:"replaced"`
	}
	if err := json.Unmarshal([]byte(events[len(events)-1].data), &done); err != nil {
		t.Fatal(err)
	}
	if done.Answer != streamed.String() || !strings.Contains(done.Answer, "50万元") {
		t.Errorf("done.answer = %q, streamed %q", done.Answer, streamed.String())
	}
	if done.ConversationID == "" || done.MessageID == "" || done.Refused == nil || *done.Refused || done.Replaced == nil || *done.Replaced || done.Notice != bot.SampleNotice {
		t.Errorf("done = %+v", done)
	}
	if m, err := e.store.Message(context.Background(), done.MessageID); err != nil || m.Channel != convlog.ChannelStream {
		t.Errorf("saved stream message = %+v, %v", m, err)
	}
}

// fakeAnswerer is the bot where the real one cannot be made to misbehave.
type fakeAnswerer struct {
	ask func(ctx context.Context, req bot.Request, onDelta func(string)) (bot.Answer, error)
}

func (f fakeAnswerer) AskStream(ctx context.Context, req bot.Request, onDelta func(string)) (bot.Answer, error) {
	return f.ask(ctx, req, onDelta)
}

func TestChatStreamReplaced(t *testing.T) {
	e := newTestServer(t, web.Options{Generator: true}, fakeAnswerer{func(_ context.Context, req bot.Request, onDelta func(string)) (bot.Answer, error) {
		onDelta("奖励500万元[1]")
		return bot.Answer{ConversationID: "c", Text: "根据第6条：奖励50万元", Replaced: true,
			Citations: []convlog.Citation{{Doc: "wz-mfg-2025", Article: 6, Label: "第6条"}}}, nil
	}})
	events := readSSE(t, e.post(t, "/api/chat/stream", map[string]string{"message": "小巨人"}).Body)
	last := events[len(events)-1]
	if last.name != "done" || !strings.Contains(last.data, `"replaced":true`) || !strings.Contains(last.data, `"answer":"根据第6条：奖励50万元"`) {
		t.Errorf("last event = %+v, want done replacing the streamed text", last)
	}
	metrics := readBody(t, e.get(t, "/metrics"))
	if !strings.Contains(metrics, `policybot_generator_fallbacks_total{reason="replaced"} 1`) {
		t.Errorf("metrics do not count the replacement:\n%s", grep(metrics, "fallbacks"))
	}
}

func TestChatStreamFailsMidway(t *testing.T) {
	e := newTestServer(t, web.Options{}, fakeAnswerer{func(_ context.Context, req bot.Request, onDelta func(string)) (bot.Answer, error) {
		onDelta("根据")
		return bot.Answer{}, fmt.Errorf("generate: %w", context.DeadlineExceeded)
	}})
	res := e.post(t, "/api/chat/stream", map[string]string{"message": "小巨人"})
	events := readSSE(t, res.Body)
	if len(events) != 2 || events[0].name != "delta" || events[1].name != "error" {
		t.Fatalf("events = %+v, want delta then error", events)
	}
	var got errorResponse
	if err := json.Unmarshal([]byte(events[1].data), &got); err != nil || got.Error == "" || !strings.Contains(got.ErrorZh, "超时") {
		t.Errorf("error event = %s (%v)", events[1].data, err)
	}
}

func TestAnswerErrors(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
	}{
		{"invalid", fmt.Errorf("ask: %w", func() error { _, err := bot.CheckMessage(""); return err }()), 400},
		{"timeout", fmt.Errorf("search: %w", context.DeadlineExceeded), 504},
		{"broken", fmt.Errorf("search: index file damaged"), 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestServer(t, web.Options{}, fakeAnswerer{func(context.Context, bot.Request, func(string)) (bot.Answer, error) {
				return bot.Answer{}, tc.err
			}})
			res := e.post(t, "/api/chat", map[string]string{"message": "小巨人"})
			got := decode[errorResponse](t, res)
			if res.StatusCode != tc.status || got.Error == "" || got.ErrorZh == "" {
				t.Errorf("error %v → %d %+v, want %d with both messages", tc.err, res.StatusCode, got, tc.status)
			}
			if strings.Contains(got.Error, "damaged") {
				t.Errorf("the client sees internal detail: %q", got.Error)
			}
		})
	}
}

func TestPanicIs500(t *testing.T) {
	e := newTestServer(t, web.Options{}, fakeAnswerer{func(context.Context, bot.Request, func(string)) (bot.Answer, error) {
		panic("boom")
	}})
	res := e.post(t, "/api/chat", map[string]string{"message": "小巨人"})
	if res.StatusCode != http.StatusInternalServerError || decode[errorResponse](t, res).ErrorZh == "" {
		t.Errorf("panicking handler = %d, want 500 with a JSON error", res.StatusCode)
	}
}

func TestFeedback(t *testing.T) {
	e := newTestServer(t, web.Options{}, nil)
	msg := decode[chatResponse](t, e.post(t, "/api/chat", map[string]string{"message": qLittleGiant}))
	tests := []struct {
		name   string
		body   any
		status int
	}{
		{"up", map[string]string{"message_id": msg.MessageID, "rating": "up"}, 200},
		{"down with comment", map[string]string{"message_id": msg.MessageID, "rating": "down", "comment": "没说申报时间"}, 200},
		{"unknown message", map[string]string{"message_id": "nope", "rating": "up"}, 404},
		{"no message id", map[string]string{"rating": "up"}, 400},
		{"bad rating", map[string]string{"message_id": msg.MessageID, "rating": "meh"}, 400},
		{"comment too long", map[string]string{"message_id": msg.MessageID, "rating": "down", "comment": strings.Repeat("长", 2001)}, 413},
		{"malformed", `{"message_id":`, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := e.post(t, "/api/feedback", tc.body)
			if res.StatusCode != tc.status {
				t.Errorf("POST /api/feedback %v = %d %s, want %d", tc.body, res.StatusCode, readBody(t, res), tc.status)
			}
		})
	}
	m, err := e.store.Message(context.Background(), msg.MessageID)
	if err != nil || m.Feedback == nil || m.Feedback.Rating != "down" || m.Feedback.Comment != "没说申报时间" {
		t.Errorf("stored feedback = %+v, %v; want the latest (down, with comment)", m.Feedback, err)
	}
}

func TestRateLimit(t *testing.T) {
	limit := web.RateLimit{N: 2, Per: time.Hour}
	t.Run("by remote address", func(t *testing.T) {
		e := newTestServer(t, web.Options{RateLimit: limit}, nil)
		for i, xff := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
			// X-Forwarded-For from an untrusted peer is ignored.
			res := e.post(t, "/api/chat", map[string]string{"message": qLittleGiant}, "X-Forwarded-For", xff)
			want := http.StatusOK
			if i == 2 {
				want = http.StatusTooManyRequests
			}
			if res.StatusCode != want {
				t.Fatalf("request %d = %d, want %d", i+1, res.StatusCode, want)
			}
			if i == 2 {
				if ra := res.Header.Get("Retry-After"); ra == "" || ra == "0" {
					t.Errorf("Retry-After = %q, want seconds", ra)
				}
				if got := decode[errorResponse](t, res); got.Error == "" || got.ErrorZh == "" {
					t.Errorf("429 body = %+v", got)
				}
			}
		}
		// Pages and health are not limited.
		if res := e.get(t, "/healthz"); res.StatusCode != http.StatusOK {
			t.Errorf("/healthz after the limit = %d", res.StatusCode)
		}
		metrics := readBody(t, e.get(t, "/metrics"))
		if !strings.Contains(metrics, `policybot_rate_limited_total{scope="client"} 1`) {
			t.Errorf("metrics:\n%s", grep(metrics, "rate_limited"))
		}
	})
	t.Run("behind a trusted proxy", func(t *testing.T) {
		trusted, err := web.ParseTrustedProxies("127.0.0.0/8, ::1")
		if err != nil {
			t.Fatal(err)
		}
		e := newTestServer(t, web.Options{RateLimit: limit, TrustedProxies: trusted}, nil)
		steps := []struct {
			xff  string
			want int
		}{
			{"203.0.113.1", 200},
			{"198.51.100.7, 203.0.113.1", 200}, // the client may write the left part
			{"203.0.113.1", 429},
			{"203.0.113.2, 127.0.0.1", 200},
		}
		for _, s := range steps {
			res := e.post(t, "/api/chat", map[string]string{"message": qLittleGiant}, "X-Forwarded-For", s.xff)
			if res.StatusCode != s.want {
				t.Errorf("X-Forwarded-For %q = %d, want %d", s.xff, res.StatusCode, s.want)
			}
		}
	})
	t.Run("off", func(t *testing.T) {
		e := newTestServer(t, web.Options{}, nil)
		for i := range 5 {
			if res := e.post(t, "/api/chat", map[string]string{"message": qLittleGiant}); res.StatusCode != http.StatusOK {
				t.Fatalf("request %d without a limit = %d", i+1, res.StatusCode)
			}
		}
	})
}

func TestCORS(t *testing.T) {
	var logs syncBuffer
	e := newTestServerWith(t, web.Options{AllowedOrigins: []string{"https://www.szwz.gov.cn"}}, nil, func(d *web.Deps) {
		d.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	preflight := func(t *testing.T, origin string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodOptions, e.URL+"/api/chat/stream", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		res, err := e.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	t.Run("preflight allowed", func(t *testing.T) {
		res := preflight(t, "https://www.szwz.gov.cn")
		if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "https://www.szwz.gov.cn" ||
			!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Content-Type") || res.Header.Get("Access-Control-Max-Age") == "" {
			t.Errorf("preflight = %d %v", res.StatusCode, res.Header)
		}
	})
	// The preflight of a site that is not allowed passes (uncached), so
	// that the browser sends the request and the page can read why it is
	// refused; the request itself is refused before any work.
	t.Run("preflight of another site", func(t *testing.T) {
		res := preflight(t, "https://evil.example")
		if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "https://evil.example" || res.Header.Get("Access-Control-Max-Age") != "" {
			t.Errorf("preflight = %d %v, want 204 readable by the page, not cached", res.StatusCode, res.Header)
		}
	})
	tests := []struct {
		name, origin string
		status       int
		readable     bool
	}{
		{"allowlisted", "https://www.szwz.gov.cn", 200, true},
		{"own origin", e.URL, 200, true},
		{"no origin (not a browser)", "", 200, false},
		{"other site", "https://evil.example", 403, true},
		{"http instead of https", "http://www.szwz.gov.cn", 403, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h []string
			if tc.origin != "" {
				h = []string{"Origin", tc.origin}
			}
			res := e.post(t, "/api/chat", map[string]string{"message": qLittleGiant}, h...)
			if res.StatusCode != tc.status {
				t.Errorf("Origin %q = %d, want %d", tc.origin, res.StatusCode, tc.status)
			}
			if got := res.Header.Get("Access-Control-Allow-Origin"); (got == tc.origin && got != "") != tc.readable {
				t.Errorf("Origin %q: Access-Control-Allow-Origin = %q", tc.origin, got)
			}
			if tc.status == 403 {
				er := decode[errorResponse](t, res)
				if er.Code != "origin_not_allowed" || !strings.Contains(er.ErrorZh, "未获准") || !strings.Contains(er.Error, tc.origin) {
					t.Errorf("403 body = %+v, want code origin_not_allowed, a Chinese message and the origin", er)
				}
			}
		})
	}
	// A second refusal of the same site is not logged again.
	e.post(t, "/api/chat", map[string]string{"message": qLittleGiant}, "Origin", "https://evil.example")
	var refusals []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "not allowed to use the API") {
			refusals = append(refusals, l)
		}
	}
	if len(refusals) != 2 || !strings.Contains(refusals[0], "origin=https://evil.example") || !strings.Contains(refusals[0], "POLICYBOT_ALLOWED_ORIGINS") ||
		!strings.Contains(refusals[1], "origin=http://www.szwz.gov.cn") {
		t.Errorf("refusal log lines = %q, want one per refused site, naming it and POLICYBOT_ALLOWED_ORIGINS", refusals)
	}
	if res := e.get(t, "/widget.js", "Origin", "https://evil.example"); res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("widget.js for any site = %d, ACAO %q", res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
	}
}

func TestPages(t *testing.T) {
	e := newTestServer(t, web.Options{PublicURL: "https://policybot.example.gov.cn"}, nil)
	tests := []struct {
		path     string
		status   int
		ctype    string
		contains []string
	}{
		{"/", 200, "text/html", []string{`&lt;script src=&#34;https://policybot.example.gov.cn/widget.js&#34;`}},
		{"/widget.js", 200, "application/javascript", nil},
		{"/widget.css", 200, "text/css", nil},
		{"/policies/wz-mfg-2025", 200, "text/html", []string{`id="article-6"`, "小巨人", "示例"}},
		{"/policies/wz-meeting-2025-02-24", 200, "text/html", []string{`id="article-1"`}},
		{"/policies/nope", 404, "text/html", []string{"页面不存在"}},
		{"/nothing/here", 404, "text/html", []string{"页面不存在"}},
		{"/healthz", 200, "application/json", []string{`"ok"`}},
		{"/readyz", 200, "application/json", []string{`"ready"`}},
		{"/v1/models", 200, "application/json", []string{`"policybot"`}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			res := e.get(t, tc.path)
			body := readBody(t, res)
			if res.StatusCode != tc.status || !strings.HasPrefix(res.Header.Get("Content-Type"), tc.ctype) {
				t.Fatalf("GET %s = %d %s, want %d %s", tc.path, res.StatusCode, res.Header.Get("Content-Type"), tc.status, tc.ctype)
			}
			for _, s := range tc.contains {
				if !strings.Contains(body, s) {
					t.Errorf("GET %s does not contain %q", tc.path, s)
				}
			}
		})
	}
	t.Run("widget.js revalidates", func(t *testing.T) {
		etag := e.get(t, "/widget.js").Header.Get("ETag")
		if res := e.get(t, "/widget.js", "If-None-Match", etag); etag == "" || res.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match %q = %d, want 304", etag, res.StatusCode)
		}
	})
}

func TestMetrics(t *testing.T) {
	e := newTestServer(t, web.Options{}, nil)
	e.post(t, "/api/chat", map[string]string{"message": qLittleGiant})
	e.post(t, "/api/chat", map[string]string{"message": qWeather})
	e.post(t, "/api/chat", `{`)
	e.get(t, "/policies/wz-mfg-2025")
	// A request is counted after its response has gone out, so the last
	// one may not be counted yet when /metrics is asked.
	var body string
	for i := 0; i < 100; i++ {
		body = readBody(t, e.get(t, "/metrics"))
		if strings.Contains(body, `route="GET /policies/{id}"`) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range []string{
		`policybot_http_requests_total{code="200",method="POST",route="POST /api/chat"} 2`,
		`policybot_http_requests_total{code="400",method="POST",route="POST /api/chat"} 1`,
		`policybot_http_requests_total{code="200",method="GET",route="GET /policies/{id}"} 1`,
		`policybot_http_request_duration_seconds_count{route="POST /api/chat"} 3`,
		`policybot_answers_total{channel="chat",kind="offline"} 1`,
		`policybot_answers_total{channel="chat",kind="refused"} 1`,
		`policybot_refusals_total{channel="chat"} 1`,
		`policybot_generator_fallbacks_total{reason="offline"} 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestGeneratorFallbackCounted(t *testing.T) {
	e := newTestServer(t, web.Options{Generator: true}, fakeAnswerer{func(context.Context, bot.Request, func(string)) (bot.Answer, error) {
		return bot.Answer{ConversationID: "c", Text: "根据第6条：奖励50万元", Citations: []convlog.Citation{{Doc: "wz-mfg-2025", Article: 6}}}, nil
	}})
	e.post(t, "/api/chat", map[string]string{"message": "小巨人"})
	if body := readBody(t, e.get(t, "/metrics")); !strings.Contains(body, `policybot_generator_fallbacks_total{reason="offline"} 1`) {
		t.Errorf("an offline answer with a generator configured is not counted as a fallback:\n%s", grep(body, "fallbacks"))
	}
}

func TestStarting(t *testing.T) {
	srv := httptest.NewServer(web.Starting())
	defer srv.Close()
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 503, "/api/chat": 503, "/": 503} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("while starting, GET %s = %d, want %d", path, res.StatusCode, want)
		}
		if want == 503 && res.Header.Get("Retry-After") == "" {
			t.Errorf("while starting, GET %s has no Retry-After", path)
		}
	}
}

func grep(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestReadyzDegraded: /readyz reports a database that does not answer as
// degraded (503, with the reason), and ready again once it answers;
// /healthz stays 200 throughout.
func TestReadyzDegraded(t *testing.T) {
	var down atomic.Bool
	e := newTestServerWith(t, web.Options{}, nil, func(d *web.Deps) {
		d.Ready = func(ctx context.Context) error {
			if down.Load() {
				return fmt.Errorf("dial tcp 10.0.0.5:5432: connection refused")
			}
			return nil
		}
	})
	type readyz struct {
		Status, Reason string
		Documents      int
	}
	if r := decode[readyz](t, e.get(t, "/readyz")); r.Status != "ready" || r.Documents == 0 {
		t.Errorf("readyz = %+v, want ready", r)
	}
	down.Store(true)
	res := e.get(t, "/readyz")
	r := decode[readyz](t, res)
	if res.StatusCode != http.StatusServiceUnavailable || r.Status != "degraded" || !strings.Contains(r.Reason, "database") || strings.Contains(r.Reason, "10.0.0.5") {
		t.Errorf("readyz with the database down = %d %+v, want 503 degraded with the reason (and not the database's address)", res.StatusCode, r)
	}
	if res := e.get(t, "/healthz"); res.StatusCode != http.StatusOK {
		t.Errorf("healthz with the database down = %d, want 200 (alive)", res.StatusCode)
	}
	down.Store(false)
	if r := decode[readyz](t, e.get(t, "/readyz")); r.Status != "ready" {
		t.Errorf("readyz after the database is back = %+v", r)
	}
}

// TestMetricsProtected: with a token /metrics needs it; kept separate, it
// is not on the main handler at all but on its own.
func TestMetricsProtected(t *testing.T) {
	e := newTestServer(t, web.Options{MetricsToken: "metrics-secret-123"}, nil)
	if res := e.get(t, "/metrics"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("/metrics without the token = %d, want 401", res.StatusCode)
	}
	if res := e.get(t, "/metrics", "Authorization", "Bearer wrong"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("/metrics with a wrong token = %d, want 401", res.StatusCode)
	}
	if body := readBody(t, e.get(t, "/metrics", "Authorization", "Bearer metrics-secret-123")); !strings.Contains(body, "policybot_http_requests_total") {
		t.Errorf("/metrics with the token lacks the series")
	}

	docs, ix := bundledIndex(t)
	b, err := bot.New(bot.Config{Index: ix, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	app, metrics := web.NewServerAndMetrics(web.Deps{Bot: b, Store: e.store, Documents: docs, Options: web.Options{MetricsSeparate: true}})
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("/metrics on the main handler when kept separate = %d, want 404", rec.Code)
	}
	rec = httptest.NewRecorder()
	metrics.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "policybot_refusals_total") {
		t.Errorf("the separate metrics handler = %d", rec.Code)
	}
}

// TestGlobalRateLimit: the limit of all clients together is separate from
// the per-address one: many addresses (behind a trusted proxy) each within
// their own limit are still held to the global one.
func TestGlobalRateLimit(t *testing.T) {
	proxy, _ := web.ParseTrustedProxies("127.0.0.1")
	e := newTestServer(t, web.Options{RateLimit: web.RateLimit{N: 100, Per: time.Minute},
		GlobalRateLimit: web.RateLimit{N: 5, Per: time.Minute}, TrustedProxies: proxy}, nil)
	codes := map[int]int{}
	for i := range 8 {
		res := e.post(t, "/api/chat", map[string]string{"message": qLittleGiant}, "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
		codes[res.StatusCode]++
		if res.StatusCode == http.StatusTooManyRequests {
			if er := decode[errorResponse](t, res); !strings.Contains(er.ErrorZh, "人数较多") || res.Header.Get("Retry-After") == "" {
				t.Errorf("global 429 = %+v, Retry-After %q", er, res.Header.Get("Retry-After"))
			}
		}
	}
	if codes[200] != 5 || codes[429] != 3 {
		t.Errorf("8 questions from 8 addresses under a global limit of 5/min: %v, want 5 answered, 3 refused", codes)
	}
	if m := readBody(t, e.get(t, "/metrics")); !strings.Contains(m, `policybot_rate_limited_total{scope="global"} 3`) {
		t.Errorf("metrics do not count the global refusals:\n%s", grep(m, "rate_limited"))
	}
}

// The model's circuit breaker and slots are visible in /readyz and the
// metrics.
func TestModelStatusInReadyzAndMetrics(t *testing.T) {
	docs, ix := bundledIndex(t)
	b, err := bot.New(bot.Config{Index: ix})
	if err != nil {
		t.Fatal(err)
	}
	st := bot.ModelStatus{Configured: true, Name: "openai:m", Breaker: "open", ConsecutiveFailures: 5,
		InFlight: 0, Waiting: 0, Capacity: 32, Opened: 1, ShortCircuited: 7, Busy: 2}
	st0, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "policybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st0.Close() })
	srv := httptest.NewServer(web.NewServer(web.Deps{Bot: b, Store: st0, Documents: docs,
		Model: func() bot.ModelStatus { return st }, Options: web.Options{Generator: true}}))
	t.Cleanup(srv.Close)
	res, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var ready struct {
		Status string
		Model  bot.ModelStatus
	}
	if err := json.Unmarshal([]byte(readBody(t, res)), &ready); err != nil || ready.Status != "ready" || ready.Model.Breaker != "open" || ready.Model.ShortCircuited != 7 {
		t.Errorf("/readyz = %+v, %v, want ready with the open breaker", ready, err)
	}
	res, err = http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics := readBody(t, res)
	for _, want := range []string{"policybot_llm_breaker_state 2", "policybot_llm_short_circuited_total 7", "policybot_llm_breaker_opened_total 1", "policybot_llm_busy_total 2", "policybot_llm_consecutive_failures 5"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, grep(metrics, "policybot_llm"))
		}
	}
}
