package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"policybot/bot/convlog"
	"policybot/store"
	"policybot/web"
)

// syncBuffer is a bytes.Buffer the server goroutine writes while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listeningRE = regexp.MustCompile(`listening on (http://\S+)`)

// startServe runs `policybot serve` in-process on port 0 with env and
// returns its base URL once /readyz says it is ready, and a function that
// stops it (as SIGTERM would) and returns run's error.
func startServe(t *testing.T, env map[string]string) (base string, stop func() error) {
	t.Helper()
	base, stop, _ = startServeOut(t, env)
	return base, stop
}

// startServeOut is startServe that also returns what serve prints.
func startServeOut(t *testing.T, env map[string]string) (base string, stop func() error, out *syncBuffer) {
	t.Helper()
	env["POLICYBOT_ADDR"] = "127.0.0.1:0"
	if env["POLICYBOT_DATA_DIR"] == "" {
		env["POLICYBOT_DATA_DIR"] = t.TempDir()
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	out = &stdout
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"policybot", "serve"}, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
	}()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			runErr = <-errc
		})
		return runErr
	}
	t.Cleanup(func() { stop() })

	// Poll, never assert on time: the deadline only keeps a broken server
	// from hanging the test run.
	deadline := time.Now().Add(60 * time.Second)
	wait := func(what string, ok func() bool) {
		t.Helper()
		for !ok() {
			select {
			case err := <-errc:
				t.Fatalf("serve exited while waiting for %s: %v\nstderr:\n%s", what, err, stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s\nstdout:\n%s\nstderr:\n%s", what, stdout.String(), stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	wait("listening line", func() bool {
		m := listeningRE.FindStringSubmatch(stdout.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	})
	status := func(path string) int {
		res, err := http.Get(base + path)
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	wait("/healthz 200", func() bool { return status("/healthz") == http.StatusOK })
	wait("/readyz 200", func() bool { return status("/readyz") == http.StatusOK })
	return base, stop, out
}

func postJSON(t *testing.T, url string, body any) (*http.Response, []byte) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, data
}

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(data)
}

type serveChat struct {
	ConversationID string `json:"conversation_id"`
	MessageID      string `json:"message_id"`
	Answer         string `json:"answer"`
	Refused        bool   `json:"refused"`
	Citations      []struct {
		Doc     string `json:"doc"`
		Article int    `json:"article"`
		URL     string `json:"url"`
	} `json:"citations"`
}

// TestServe runs the real program: `policybot serve` on port 0 with a
// temporary data directory, through the chat, stream, feedback, pages and
// metrics, then a graceful stop, then the database it left behind.
func TestServe(t *testing.T) {
	dataDir := t.TempDir()
	base, stop, out := startServeOut(t, map[string]string{
		"POLICYBOT_DATA_DIR":        dataDir,
		"POLICYBOT_PUBLIC_URL":      "https://policybot.example.gov.cn/",
		"POLICYBOT_ALLOWED_ORIGINS": "https://www.szwz.gov.cn",
		"POLICYBOT_RATE_LIMIT":      "100/min",
	})
	// What it runs with, said at start.
	for _, want := range []string{
		"admin:    off (set POLICYBOT_ADMIN_TOKENS",
		"answers:  offline",
		"data:     " + filepath.Join(dataDir, dbFile) + "; index in " + dataDir,
		"slack:    off",
		"limits:   questions per address 100/min",
		"metrics:  " + base + "/metrics",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("serve's start-up output lacks %q:\n%s", want, out.String())
		}
	}

	res, body := postJSON(t, base+"/api/chat", map[string]string{"message": llmQuestion})
	var chat serveChat
	if err := json.Unmarshal(body, &chat); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/chat = %d %s (%v)", res.StatusCode, body, err)
	}
	if chat.Refused || !strings.Contains(chat.Answer, "50万元") || len(chat.Citations) != 1 ||
		chat.Citations[0].URL != "https://policybot.example.gov.cn/policies/wz-mfg-2025#article-6" {
		t.Fatalf("chat = %+v, want 50万元 citing POLICYBOT_PUBLIC_URL/policies/wz-mfg-2025#article-6", chat)
	}

	res, body = postJSON(t, base+"/api/chat/stream", map[string]string{"message": "那省级的呢？", "conversation_id": chat.ConversationID})
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "event: done\ndata: {") || !strings.Contains(string(body), "20万元") {
		t.Errorf("follow-up stream = %d\n%s\nwant the 省级 amount (20万元) in the same conversation", res.StatusCode, body)
	}

	if res, body := postJSON(t, base+"/api/feedback", map[string]string{"message_id": chat.MessageID, "rating": "up", "comment": "清楚"}); res.StatusCode != http.StatusOK {
		t.Errorf("POST /api/feedback = %d %s", res.StatusCode, body)
	}
	if res, body := postJSON(t, base+"/api/chat", map[string]string{"message": strings.Repeat("长", 1001)}); res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "1000字") {
		t.Errorf("too long = %d %s, want 413 in Chinese and English", res.StatusCode, body)
	}
	if code, page := getBody(t, base+"/policies/wz-mfg-2025"); code != http.StatusOK || !strings.Contains(page, `id="article-6"`) {
		t.Errorf("GET /policies/wz-mfg-2025 = %d, want the page with #article-6", code)
	}
	if code, page := getBody(t, base+"/"); code != http.StatusOK || !strings.Contains(page, "https://policybot.example.gov.cn/widget.js") {
		t.Errorf("GET / = %d, want the demo page with the snippet", code)
	}
	for origin, want := range map[string]int{"https://www.szwz.gov.cn": http.StatusOK, "https://elsewhere.example": http.StatusForbidden} {
		b, _ := json.Marshal(map[string]string{"message": llmQuestion})
		req, _ := http.NewRequest(http.MethodPost, base+"/api/chat", bytes.NewReader(b))
		req.Header.Set("Origin", origin)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("question from a page on %s = %d, want %d (POLICYBOT_ALLOWED_ORIGINS)", origin, res.StatusCode, want)
		}
	}
	if code, _ := getBody(t, base+"/widget.js"); code != http.StatusOK {
		t.Errorf("GET /widget.js = %d", code)
	}
	if _, metrics := getBody(t, base+"/metrics"); !strings.Contains(metrics, `policybot_http_requests_total{code="200",method="POST",route="POST /api/chat"} 2`) ||
		!strings.Contains(metrics, `policybot_answers_total{channel="stream",kind="offline"} 1`) {
		t.Errorf("/metrics does not count the chat requests")
	}

	if err := stop(); err != nil {
		t.Fatalf("serve returned %v after a graceful stop, want nil", err)
	}

	st, err := store.OpenSQLite(context.Background(), filepath.Join(dataDir, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := st.Message(context.Background(), chat.MessageID)
	if err != nil || m.Question != llmQuestion || m.Feedback == nil || m.Feedback.Rating != convlog.RatingUp {
		t.Errorf("after the stop, message %s = %+v, %v; want it saved with its feedback", chat.MessageID, m, err)
	}
	turns, err := st.Recent(context.Background(), chat.ConversationID, 10)
	if err != nil || len(turns) != 2 {
		t.Errorf("conversation %s has %d turns (%v), want 2", chat.ConversationID, len(turns), err)
	}
}

// TestServeWithModel answers through a (fake) language model; an answer
// the guardrail rejects is replaced by the offline one and counted.
func TestServeWithModel(t *testing.T) {
	srv, _ := fakeOpenAI(t, "首次认定为国家级专精特新小巨人企业的，奖励80万元[1]。")
	base, _ := startServe(t, llmEnv(srv.URL))
	_, body := postJSON(t, base+"/api/chat", map[string]string{"message": llmQuestion})
	var chat serveChat
	if err := json.Unmarshal(body, &chat); err != nil || strings.Contains(chat.Answer, "80万元") || !strings.Contains(chat.Answer, "50万元") {
		t.Fatalf("chat = %s, want the offline answer instead of the invented figure", body)
	}
	if _, metrics := getBody(t, base+"/metrics"); !strings.Contains(metrics, `policybot_generator_fallbacks_total{reason="offline"} 1`) {
		t.Errorf("/metrics does not count the fallback")
	}
}

func TestServeBadConfig(t *testing.T) {
	for _, env := range []map[string]string{
		{"POLICYBOT_RATE_LIMIT": "lots"},
		{"POLICYBOT_TRUSTED_PROXIES": "10.0.0.0/40"},
		{"POLICYBOT_ALLOWED_ORIGINS": "www.szwz.gov.cn"},
		{"POLICYBOT_PUBLIC_URL": "policybot.example.gov.cn"},
		{"POLICYBOT_ADDR": "127.0.0.1:99999"},
		{"POLICYBOT_RATE_LIMIT_GLOBAL": "many"},
		{"POLICYBOT_ADDR": "127.0.0.1:0", "POLICYBOT_METRICS_ADDR": "127.0.0.1:0"},
	} {
		if _, _, err := runCLI(t, env, "serve"); err == nil {
			t.Errorf("serve with %v started", env)
		}
	}
}

// TestServeFinishesAnswersInFlight stops the server while an answer is
// being written: the answer completes, and only then is the database
// closed.
func TestServeFinishesAnswersInFlight(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	entered, release, cleaned := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var enterOnce sync.Once
	slow := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		enterOnce.Do(func() { close(entered) })
		<-release
		io.WriteString(w, "the whole answer")
	}))
	var current atomic.Pointer[http.Handler]
	starting := web.Starting()
	current.Store(&starting)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*current.Load()).ServeHTTP(w, r) })}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- serveHTTP(ctx, srv, ln, time.Minute, slog.New(slog.DiscardHandler),
			func(context.Context) (http.Handler, func(), error) { return slow, func() { close(cleaned) }, nil }, &current)
	}()

	type result struct {
		code int
		body string
		err  error
	}
	answer := make(chan result, 1)
	go func() {
		for {
			res, err := http.Get("http://" + addr + "/api/chat")
			if err != nil {
				answer <- result{err: err}
				return
			}
			b, err := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusServiceUnavailable { // still starting
				time.Sleep(10 * time.Millisecond)
				continue
			}
			answer <- result{res.StatusCode, string(b), err}
			return
		}
	}()
	<-entered
	cancel()
	// Once the listener is closed the shutdown is under way.
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case <-cleaned:
		t.Fatal("the database was closed while an answer was in flight")
	case err := <-done:
		t.Fatalf("serveHTTP returned %v while an answer was in flight", err)
	default:
	}
	close(release)
	if r := <-answer; r.err != nil || r.code != http.StatusOK || r.body != "the whole answer" {
		t.Errorf("answer in flight = %d %q, %v; want it completed", r.code, r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Errorf("serveHTTP = %v, want nil after a graceful stop", err)
	}
	select {
	case <-cleaned:
	default:
		t.Error("cleanup did not run")
	}
}

// TestServeMetricsElsewhere: with POLICYBOT_METRICS_ADDR, /metrics is served
// there (with the token) and not on the public address; the start-up
// output says so, and what else the server runs with.
func TestServeMetricsElsewhere(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	maddr := l.Addr().String()
	l.Close()
	base, _, out := startServeOut(t, map[string]string{
		"POLICYBOT_METRICS_ADDR": maddr, "POLICYBOT_METRICS_TOKEN": "metrics-secret-123",
		"POLICYBOT_ADMIN_TOKENS": "chen:chen-0123456789abcdef", "POLICYBOT_RATE_LIMIT_GLOBAL": "600/min",
		"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret", "SLACK_API_URL": "http://127.0.0.1:1/",
	})
	if code, _ := getBody(t, base+"/metrics"); code != http.StatusNotFound {
		t.Errorf("GET /metrics on the public address = %d, want 404", code)
	}
	if code, _ := getBody(t, "http://"+maddr+"/metrics"); code != http.StatusUnauthorized {
		t.Errorf("GET /metrics without the token = %d, want 401", code)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+maddr+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer metrics-secret-123")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics with the token: %v %v", res, err)
	}
	res.Body.Close()
	for _, want := range []string{"admin:    on at " + base + "/admin (1 admin token(s))", "slack:    Events API at " + base + "/slack/events",
		"limits:   questions per address 30/min, all together 600/min", "metrics:  http://" + maddr + "/metrics only (token required)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("serve's start-up output lacks %q:\n%s", want, out.String())
		}
	}
}
