// Command isolation measures that a slow language model cannot stall the
// service (README, "Language models"): with 200 questions waiting for a
// slow model, a question that needs no model still answers at once (the
// target: p99 ≤ 50 ms).
//
//	isolation model -addr 127.0.0.1:18181 -delay 10s
//	isolation drive -url http://127.0.0.1:18080 -slow 200 -fast 4 -duration 20s
//
// model is an OpenAI-compatible server whose every answer takes -delay
// (then cites passage 1); drive keeps -slow questions that need the model
// in flight against policybot and, meanwhile, -fast clients ask questions
// that need no model (out of scope: refused before any model call), one
// after another, and prints their latency. run.sh -i starts both and
// policybot (see README.md).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: isolation model|drive [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "model":
		err = model(os.Args[2:])
	case "drive":
		err = drive(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: want model or drive", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "isolation:", err)
		os.Exit(1)
	}
}

// model serves /v1/chat/completions slowly, streaming or not.
func model(args []string) error {
	fs := flag.NewFlagSet("model", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:18181", "listen address")
	delay := fs.Duration("delay", 10*time.Second, "time to answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	const reply = "首次认定为国家级专精特新“小巨人”企业的，区里给予一次性奖励50万元[1]。"
	var inFlight atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Stream bool `json:"stream"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		inFlight.Add(1)
		defer inFlight.Add(-1)
		select {
		case <-time.After(*delay):
		case <-r.Context().Done():
			return
		}
		if req.Stream {
			w.Header().Set("Content-Type", "text/event-stream")
			b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"role": "assistant", "content": reply}}}})
			fmt.Fprintf(w, "data: %s\n\ndata: [DONE]\n\n", b)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": reply}}}})
	})
	go func() {
		for range time.Tick(5 * time.Second) {
			fmt.Fprintf(os.Stderr, "model: %d calls in flight\n", inFlight.Load())
		}
	}()
	return http.ListenAndServe(*addr, h)
}

// drive runs the load and prints the fast questions' latencies.
func drive(args []string) error {
	fs := flag.NewFlagSet("drive", flag.ContinueOnError)
	url := fs.String("url", "http://127.0.0.1:18080", "policybot")
	slow := fs.Int("slow", 200, "questions needing the model kept in flight")
	fast := fs.Int("fast", 4, "clients asking questions that need no model")
	duration := fs.Duration("duration", 20*time.Second, "how long the fast clients ask")
	if err := fs.Parse(args); err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *slow + *fast}}
	ask := func(ctx context.Context, q string) (time.Duration, error) {
		body, _ := json.Marshal(map[string]string{"message": q})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, *url+"/api/chat", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("HTTP %d: %s", res.StatusCode, b)
		}
		return time.Since(start), nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// The slow questions: each client asks again as soon as it has an answer.
	var slowDone, slowErr atomic.Int64
	var wg sync.WaitGroup
	for range *slow {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if _, err := ask(ctx, "首次被认定为国家级专精特新小巨人企业奖励多少？"); err != nil {
					if !errors.Is(err, context.Canceled) {
						slowErr.Add(1)
					}
					continue
				}
				slowDone.Add(1)
			}
		}()
	}
	time.Sleep(2 * time.Second) // let them reach the model
	ready, _ := readyz(client, *url)
	fmt.Printf("before the fast questions: %s\n", ready)

	fastQs := []string{"明天会下雨吗", "吴中区人才公寓怎么申请", "个人所得税专项附加扣除在哪里填", "新能源汽车购车补贴多少钱"}
	var mu sync.Mutex
	var lat []time.Duration
	var fastErr atomic.Int64
	deadline := time.Now().Add(*duration)
	var fw sync.WaitGroup
	for i := range *fast {
		fw.Add(1)
		go func() {
			defer fw.Done()
			for n := i; time.Now().Before(deadline); n++ {
				d, err := ask(ctx, fastQs[n%len(fastQs)])
				if err != nil {
					fastErr.Add(1)
					continue
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	fw.Wait()
	ready, _ = readyz(client, *url)
	fmt.Printf("after: %s\n", ready)
	cancel()
	wg.Wait()
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	fmt.Printf("questions needing no model: %d in %s (%d errors): p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms\n",
		len(lat), *duration, fastErr.Load(), ms(pct(0.5)), ms(pct(0.9)), ms(pct(0.99)), ms(pct(1)))
	fmt.Printf("questions needing the model: %d in flight, %d answered meanwhile, %d errors\n", *slow, slowDone.Load(), slowErr.Load())
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// readyz returns the model part of /readyz.
func readyz(c *http.Client, url string) (string, error) {
	res, err := c.Get(url + "/readyz")
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var r struct {
		Model json.RawMessage `json:"model"`
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		return "", err
	}
	return string(r.Model), nil
}
