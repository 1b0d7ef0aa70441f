package main

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeOpenAI answers /v1/chat/completions with reply and records the
// requests' bodies.
func fakeOpenAI(tb testing.TB, reply string) (*httptest.Server, func() []string) {
	tb.Helper()
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, "bad request", 400)
			return
		}
		b, _ := json.Marshal(req)
		mu.Lock()
		bodies = append(bodies, string(b)+" auth="+r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": "x", "object": "chat.completion", "created": 1, "model": req["model"],
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": reply}}},
		})
	}))
	tb.Cleanup(srv.Close)
	return srv, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), bodies...) }
}

func llmEnv(url string) map[string]string {
	return map[string]string{"LLM_PROVIDER": "openai", "LLM_BASE_URL": url + "/v1", "LLM_MODEL": "m", "LLM_API_KEY": "k", "LLM_TIMEOUT": "2s"}
}

type askJSON struct {
	Answer    string `json:"answer"`
	Refused   bool   `json:"refused"`
	Notice    string `json:"notice"`
	Citations []struct {
		Doc     string `json:"doc"`
		Article int    `json:"article"`
	} `json:"citations"`
}

func askWith(t *testing.T, env map[string]string, q string) askJSON {
	t.Helper()
	out, stderr, err := runCLI(t, env, "ask", "--json", q)
	if err != nil {
		t.Fatalf("ask: %v\n%s", err, stderr)
	}
	var a askJSON
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("ask --json: %v\n%s", err, out)
	}
	return a
}

const llmQuestion = "首次被认定为国家级专精特新小巨人企业奖励多少？"

func TestAskWithModelGroundedAnswer(t *testing.T) {
	srv, bodies := fakeOpenAI(t, "根据[1]，首次认定为国家级专精特新“小巨人”企业的，区里给予一次性奖励50万元，由区工信局负责。")
	a := askWith(t, llmEnv(srv.URL), llmQuestion)
	if a.Refused || !strings.HasPrefix(a.Answer, "根据[1]") || len(a.Citations) != 1 || a.Citations[0].Doc != "wz-mfg-2025" || a.Citations[0].Article != 6 {
		t.Fatalf("answer = %+v, want the model's answer citing wz-mfg-2025 第6条", a)
	}
	got := bodies()
	if len(got) != 1 || !strings.Contains(got[0], `"model":"m"`) || !strings.Contains(got[0], "auth=Bearer k") || !strings.Contains(got[0], "小巨人") {
		t.Errorf("requests = %v, want one with the model, the key and the passage", got)
	}
}

func TestAskWithModelInventedFigureFallsBack(t *testing.T) {
	srv, _ := fakeOpenAI(t, "首次认定为国家级专精特新小巨人企业的，奖励80万元[1]。")
	a := askWith(t, llmEnv(srv.URL), llmQuestion)
	if strings.Contains(a.Answer, "80万元") || !strings.Contains(a.Answer, "50万元") || a.Citations[0].Article != 6 {
		t.Fatalf("answer = %+v, want the offline answer", a)
	}
}

func TestAskWithModelDownAnswersOffline(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	start := time.Now()
	a := askWith(t, llmEnv(url), llmQuestion)
	if elapsed := time.Since(start); elapsed > 2*time.Second+2*time.Second {
		t.Errorf("offline answer took %v with the model down; LLM_TIMEOUT is 2s", elapsed)
	}
	if !strings.Contains(a.Answer, "50万元") || !strings.Contains(a.Notice, "暂不可用") {
		t.Fatalf("answer = %+v, want the offline answer with the unavailable notice", a)
	}
}
