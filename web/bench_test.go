package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"policybot/bot"
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
