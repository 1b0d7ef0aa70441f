package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"policybot/bot"
	"policybot/bot/convlog"
	"policybot/web"
)

// benchQuestions is a mix of answered and refused questions.
var benchQuestions = []string{
	qLittleGiant, qHotel, "海外仓面积有什么要求？", "中信保保费能补多少", "5A景区奖励多少",
	"How much is the reward for a national-level little giant enterprise?", "研发费用加计扣除比例是多少", qWeather,
}

// BenchmarkChat is POST /api/chat through the whole server (HTTP, the real
// bot, SQLite), from parallel clients.
func BenchmarkChat(b *testing.B) {
	e := newTestServer(b, web.Options{}, nil)
	bodies := make([][]byte, len(benchQuestions))
	for i, q := range benchQuestions {
		bodies[i], _ = json.Marshal(map[string]string{"message": q})
	}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			res, err := e.Client().Post(e.URL+"/api/chat", "application/json", bytes.NewReader(bodies[i%len(bodies)]))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
			}
			i++
		}
	})
}

// BenchmarkBotOnly is the bot alone with the SQLite conversation store, to
// tell its cost from the server's.
func BenchmarkBotOnly(b *testing.B) {
	_, ix := bundledIndex(b)
	e := newTestServer(b, web.Options{}, nil)
	bt, err := bot.New(bot.Config{Index: ix, Conversations: e.store})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := bt.Ask(context.Background(), bot.Request{Message: benchQuestions[i%len(benchQuestions)]}); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchmarkBotMemory is the bot with its in-memory conversations.
func BenchmarkBotMemory(b *testing.B) {
	_, ix := bundledIndex(b)
	bt, err := bot.New(bot.Config{Index: ix})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := bt.Ask(context.Background(), bot.Request{Message: benchQuestions[i%len(benchQuestions)]}); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// streamingModel is a bot.Generator that writes its answer in pieces, as a
// streaming model does: the first sentence, then — once told to go on —
// the rest. It records when it handed over the first sentence's last piece.
type streamingModel struct {
	finished chan time.Time // when the first sentence was finished
	goOn     chan struct{}
}

func (m *streamingModel) Generate(ctx context.Context, req bot.GenerateRequest) (string, error) {
	first := []string{"首次认定为国家级专精特新", "“小巨人”企业的，区里给予", "一次性奖励50万元[1]。"}
	rest := "由区工信局负责受理[1]。"
	var done time.Time
	for i, p := range first {
		if i == len(first)-1 {
			done = time.Now() // the model has the sentence's end now
		}
		req.OnToken(p)
	}
	m.finished <- done
	select {
	case <-m.goOn:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	req.OnToken(rest)
	return strings.Join(first, "") + rest, nil
}

func (m *streamingModel) Condense(context.Context, []convlog.Turn, string) (string, error) {
	return "", errors.New("no history")
}

func (m *streamingModel) Name() string { return "streaming-fake" }

// BenchmarkFirstCheckedSentence is the time from a streaming model
// finishing its first sentence to that sentence, checked, reaching an SSE
// client of /api/chat/stream (the target: ≤ 50 ms; README, "Language models"). The model waits for the
// client before it writes on, so the sentence cannot ride on later text.
func BenchmarkFirstCheckedSentence(b *testing.B) {
	_, ix := bundledIndex(b)
	m := &streamingModel{finished: make(chan time.Time, 1), goOn: make(chan struct{})}
	bt, err := bot.New(bot.Config{Index: ix, Generator: m})
	if err != nil {
		b.Fatal(err)
	}
	e := newTestServer(b, web.Options{Generator: true}, bt)
	body, _ := json.Marshal(map[string]string{"message": qLittleGiant})
	var total time.Duration
	for b.Loop() {
		res, err := e.Client().Post(e.URL+"/api/chat/stream", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(res.Body)
		var got time.Time
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") && strings.Contains(sc.Text(), "50万元") {
				got = time.Now()
				break
			}
		}
		if got.IsZero() {
			b.Fatalf("no delta with the first sentence")
		}
		total += got.Sub(<-m.finished)
		m.goOn <- struct{}{}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/first-sentence")
}
