package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"policybot/retrieval"
)

func TestEmbedderFromConfig(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string // the embedder's name, or the error's start
	}{
		{"default is local", nil, retrieval.LocalModel},
		{"openai", map[string]string{"EMBED_PROVIDER": "openai", "EMBED_MODEL": "bge-m3"}, "openai:bge-m3"},
		{"ollama", map[string]string{"EMBED_PROVIDER": "ollama", "EMBED_MODEL": "bge-m3"}, "ollama:bge-m3"},
		{"no model", map[string]string{"EMBED_PROVIDER": "openai"}, `EMBED_PROVIDER=openai: retrieval: embedder: no model`},
		{"bad URL", map[string]string{"EMBED_PROVIDER": "ollama", "EMBED_MODEL": "m", "EMBED_BASE_URL": "localhost:11434"}, `EMBED_PROVIDER=ollama: retrieval: embedder: base URL`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := loadConfig(func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			e, err := cfg.embedder()
			if err != nil {
				if !strings.HasPrefix(err.Error(), tc.want) {
					t.Errorf("embedder() error = %v, want %q…", err, tc.want)
				}
				return
			}
			if got := e.Identity().String(); got != tc.want {
				t.Errorf("embedder() = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestAskWithEmbeddingServer answers with vectors from an OpenAI-compatible
// server, keyless and with a key: a keyless server gets no Authorization
// header, a key goes as a bearer token.
func TestAskWithEmbeddingServer(t *testing.T) {
	for _, key := range []string{"", "emb-secret"} {
		t.Run("key="+key, func(t *testing.T) {
			var mu sync.Mutex
			var auths []string
			sent := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var req struct {
					Input []string `json:"input"`
				}
				if r.URL.Path != "/v1/embeddings" || json.NewDecoder(r.Body).Decode(&req) != nil {
					http.Error(w, "bad request", http.StatusBadRequest)
					return
				}
				mu.Lock()
				auths = append(auths, strings.Join(r.Header.Values("Authorization"), ","))
				sent += len(req.Input)
				mu.Unlock()
				var data []map[string]any
				for i, in := range req.Input {
					// Two directions: texts about 小巨人, and the rest.
					v := []float32{0, 1}
					if strings.Contains(in, "小巨人") {
						v = []float32{1, 0}
					}
					data = append(data, map[string]any{"index": i, "embedding": v})
				}
				json.NewEncoder(w).Encode(map[string]any{"data": data})
			}))
			defer srv.Close()
			env := map[string]string{"EMBED_PROVIDER": "openai", "EMBED_BASE_URL": srv.URL + "/v1", "EMBED_MODEL": "m", "EMBED_API_KEY": key}
			ans := askWith(t, env, "首次被认定为国家级专精特新小巨人企业奖励多少？")
			if len(ans.Citations) == 0 || ans.Citations[0].Doc != "wz-mfg-2025" {
				t.Errorf("ask = %+v, want an answer citing wz-mfg-2025", ans)
			}
			mu.Lock()
			defer mu.Unlock()
			if sent < 2 {
				t.Fatalf("the embedding server got %d texts, want the corpus and the question", sent)
			}
			want := ""
			if key != "" {
				want = "Bearer " + key
			}
			for i, a := range auths {
				if a != want {
					t.Errorf("request %d Authorization = %q, want %q", i, a, want)
				}
			}
		})
	}
}
