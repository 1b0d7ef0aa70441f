package llm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"policybot/policies"
	"policybot/retrieval"
)

// embedServer fakes an OpenAI-compatible or Ollama server. Each vector
// encodes its text's number (the digits in the text) so that order can be
// checked.
type embedServer struct {
	t        *testing.T
	path     string
	mu       sync.Mutex
	requests []map[string]any
	headers  []http.Header
	inFlight atomic.Int32
	maxIn    atomic.Int32
	handle   func(w http.ResponseWriter, r *http.Request, inputs []string) bool // true: handled
}

func (s *embedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxIn.Load()
		if n <= m || s.maxIn.CompareAndSwap(m, n) {
			break
		}
	}
	if r.Method != http.MethodPost || r.URL.Path != s.path {
		s.t.Errorf("request %s %s, want POST %s", r.Method, r.URL.Path, s.path)
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		s.t.Errorf("request body %q: %v", body, err)
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.headers = append(s.headers, r.Header.Clone())
	s.mu.Unlock()

	var inputs []string
	switch in := req["input"].(type) {
	case string:
		inputs = []string{in}
	case []any:
		for _, x := range in {
			inputs = append(inputs, x.(string))
		}
	}
	if s.handle != nil && s.handle(w, r, inputs) {
		return
	}
	vec := func(text string) []float32 {
		n, _ := strconv.Atoi(strings.TrimLeft(text, "text "))
		return []float32{float32(n), 1, 0}
	}
	w.Header().Set("Content-Type", "application/json")
	if s.path == "/api/embed" {
		var out [][]float32
		for _, in := range inputs {
			out = append(out, vec(in))
		}
		json.NewEncoder(w).Encode(map[string]any{"model": req["model"], "embeddings": out})
		return
	}
	var data []map[string]any
	for i, in := range inputs {
		data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": vec(in)})
	}
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req["model"]})
}

func newEmbedServer(t *testing.T, path string) (*embedServer, *httptest.Server) {
	s := &embedServer{t: t, path: path}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func texts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "text " + strconv.Itoa(i)
	}
	return out
}

func TestOpenAIEmbedder(t *testing.T) {
	// langchaingo falls back to these; they must not be used.
	t.Setenv("OPENAI_API_KEY", "from-env")
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
	t.Setenv("OPENAI_ORGANIZATION", "env-org")

	tests := []struct {
		name     string
		apiKey   string
		wantAuth string
	}{
		{"with key", "sk-test", "Bearer sk-test"},
		{"keyless server", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, srv := newEmbedServer(t, "/v1/embeddings")
			e, err := NewEmbedder(EmbedConfig{Provider: ProviderOpenAI, BaseURL: srv.URL + "/v1", Model: "text-embedding-3-small",
				APIKey: tc.apiKey, BatchSize: 2, Concurrency: 2})
			if err != nil {
				t.Fatal(err)
			}
			in := texts(5)
			vecs, err := e.Embed(context.Background(), in)
			if err != nil {
				t.Fatalf("Embed: %v", err)
			}
			for i, v := range vecs {
				if v[0] != float32(i) {
					t.Errorf("vector %d = %v, want the vector of %q", i, v, in[i])
				}
			}
			if len(s.requests) != 3 {
				t.Fatalf("%d requests for 5 texts in batches of 2, want 3", len(s.requests))
			}
			var sent []string
			for i, req := range s.requests {
				if req["model"] != "text-embedding-3-small" {
					t.Errorf("request %d model = %v, want text-embedding-3-small", i, req["model"])
				}
				for _, x := range req["input"].([]any) {
					sent = append(sent, x.(string))
				}
				if got := s.headers[i].Get("Authorization"); got != tc.wantAuth {
					t.Errorf("request %d Authorization = %q, want %q", i, got, tc.wantAuth)
				}
				if got := s.headers[i].Get("OpenAI-Organization"); got != "" {
					t.Errorf("request %d OpenAI-Organization = %q, want none (not from the environment)", i, got)
				}
			}
			slices.Sort(sent)
			if want := slices.Sorted(slices.Values(in)); !slices.Equal(sent, want) {
				t.Errorf("inputs sent = %q, want %q", sent, want)
			}
			if m := s.maxIn.Load(); m > 2 {
				t.Errorf("%d requests in flight, want at most Concurrency=2", m)
			}
			if id := e.Identity(); id != (retrieval.EmbedderIdentity{Provider: ProviderOpenAI, Model: "text-embedding-3-small"}) {
				t.Errorf("Identity() = %+v", id)
			}
		})
	}
}

func TestOllamaEmbedder(t *testing.T) {
	t.Setenv("OLLAMA_HOST", "127.0.0.1:1")
	s, srv := newEmbedServer(t, "/api/embed")
	e, err := NewEmbedder(EmbedConfig{Provider: ProviderOllama, BaseURL: srv.URL, Model: "bge-m3"})
	if err != nil {
		t.Fatal(err)
	}
	in := texts(3)
	vecs, err := e.Embed(context.Background(), in)
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	for i, v := range vecs {
		if v[0] != float32(i) {
			t.Errorf("vector %d = %v, want the vector of %q", i, v, in[i])
		}
	}
	var sent []string
	for _, req := range s.requests {
		if req["model"] != "bge-m3" {
			t.Errorf("request model = %v, want bge-m3", req["model"])
		}
		sent = append(sent, req["input"].(string))
	}
	if !slices.Equal(sent, in) {
		t.Errorf("inputs sent = %q, want %q", sent, in)
	}
}

func TestEmbedderErrors(t *testing.T) {
	t.Run("first error cancels the rest", func(t *testing.T) {
		s, srv := newEmbedServer(t, "/v1/embeddings")
		var cancelled atomic.Int32
		s.handle = func(w http.ResponseWriter, r *http.Request, inputs []string) bool {
			if inputs[0] == "text 0" {
				http.Error(w, `{"error":{"message":"boom"}}`, http.StatusInternalServerError)
				return true
			}
			select {
			case <-r.Context().Done():
				cancelled.Add(1)
			case <-time.After(5 * time.Second):
			}
			return true
		}
		e, _ := NewEmbedder(EmbedConfig{Provider: ProviderOpenAI, BaseURL: srv.URL + "/v1", Model: "m", BatchSize: 1, Concurrency: 3})
		start := time.Now()
		_, err := e.Embed(context.Background(), texts(6))
		if err == nil || !strings.Contains(err.Error(), "500") {
			t.Errorf("Embed error = %v, want the server's 500", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Embed took %v after the first error, want the rest cancelled", d)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		s, srv := newEmbedServer(t, "/api/embed")
		s.handle = func(w http.ResponseWriter, r *http.Request, _ []string) bool {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return true
		}
		e, _ := NewEmbedder(EmbedConfig{Provider: ProviderOllama, BaseURL: srv.URL, Model: "m", Timeout: 50 * time.Millisecond})
		start := time.Now()
		_, err := e.Embed(context.Background(), texts(1))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Embed error = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Embed took %v with a 50ms timeout", d)
		}
	})
	t.Run("wrong vector count", func(t *testing.T) {
		s, srv := newEmbedServer(t, "/v1/embeddings")
		s.handle = func(w http.ResponseWriter, r *http.Request, _ []string) bool {
			json.NewEncoder(w).Encode(map[string]any{"data": []map[string]any{{"embedding": []float32{1, 0}}}})
			return true
		}
		e, _ := NewEmbedder(EmbedConfig{Provider: ProviderOpenAI, BaseURL: srv.URL + "/v1", Model: "m"})
		if _, err := e.Embed(context.Background(), texts(2)); err == nil {
			t.Error("Embed with one vector for two texts succeeded")
		}
	})
}

func TestNewEmbedderConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  EmbedConfig
		want string // error substring; "" means success
	}{
		{"openai default URL", EmbedConfig{Provider: "openai", Model: "m"}, ""},
		{"ollama default URL", EmbedConfig{Provider: "Ollama", Model: "bge-m3"}, ""},
		{"unknown provider", EmbedConfig{Provider: "cohere", Model: "m"}, "unknown provider"},
		{"no provider", EmbedConfig{Model: "m"}, "unknown provider"},
		{"openai without model", EmbedConfig{Provider: "openai"}, "no model"},
		{"ollama without model", EmbedConfig{Provider: "ollama"}, "no model"},
		{"ollama bad URL", EmbedConfig{Provider: "ollama", Model: "m", BaseURL: "::not a url"}, "base URL"},
		{"ollama URL without scheme", EmbedConfig{Provider: "ollama", Model: "m", BaseURL: "localhost:11434"}, "base URL"},
		{"openai URL without scheme", EmbedConfig{Provider: "openai", Model: "m", BaseURL: "api.example.com/v1"}, "base URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := NewEmbedder(tc.cfg)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, retrieval.ErrEmbedder) {
					t.Fatalf("NewEmbedder(%+v) = %v, %v, want an error about %q wrapping ErrEmbedder", tc.cfg, e, err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewEmbedder(%+v) = %v", tc.cfg, err)
			}
			want := retrieval.EmbedderIdentity{Provider: strings.ToLower(tc.cfg.Provider), Model: tc.cfg.Model}
			if got := e.Identity(); got != want {
				t.Errorf("NewEmbedder(%+v).Identity() = %+v, want %+v", tc.cfg, got, want)
			}
		})
	}
}

// TestEmbedderInIndex opens an index whose vectors come from a server:
// the index learns the dimension from the first answer and embeds each
// query with one request.
func TestEmbedderInIndex(t *testing.T) {
	s, srv := newEmbedServer(t, "/v1/embeddings")
	// Vectors of two dimensions from the text: 出口 texts point one way.
	s.handle = func(w http.ResponseWriter, r *http.Request, inputs []string) bool {
		var data []map[string]any
		for i, in := range inputs {
			v := []float32{0, 1}
			if strings.Contains(in, "出口") {
				v = []float32{3, 0}
			}
			data = append(data, map[string]any{"index": i, "embedding": v})
		}
		json.NewEncoder(w).Encode(map[string]any{"data": data})
		return true
	}
	e, err := NewEmbedder(EmbedConfig{Provider: ProviderOpenAI, BaseURL: srv.URL + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	docs := []*policies.Document{{ID: "com", Title: "商务政策", Category: policies.Commerce, CiteBy: policies.ByArticle,
		Articles: []policies.Article{
			{Number: 1, Text: "企业投保出口信用保险的，按保费的50%给予补助。"},
			{Number: 2, Text: "参加境外展会的，按展位费的50%给予补助。"},
		}}}
	ix, err := retrieval.Open(context.Background(), docs, retrieval.Options{Dir: t.TempDir(), Embedder: e})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if got := ix.EmbedderName(); got != "openai:m" {
		t.Errorf("EmbedderName() = %q, want openai:m", got)
	}
	before := len(s.requests)
	hits, err := ix.Search(context.Background(), retrieval.Query{Text: "出口信用保险", IncludeInactive: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.requests) != before+1 || s.requests[before]["input"].([]any)[0] != "出口信用保险" {
		t.Errorf("Search sent %d requests (last %v), want one with the query", len(s.requests)-before, s.requests[len(s.requests)-1])
	}
	if len(hits) == 0 || hits[0].Chunk.ID != "com#1" || hits[0].DenseRank != 1 || math.Abs(hits[0].DenseScore-1) > 1e-6 {
		t.Errorf("Search() = %+v, want com#1 first with dense rank 1 and cosine 1", hits)
	}
}
