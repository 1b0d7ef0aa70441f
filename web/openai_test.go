package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/openai"

	"policybot/bot"
	"policybot/bot/convlog"
	"policybot/web"
)

// The OpenAI-compatible endpoint is exercised by langchaingo's own OpenAI
// client, as an existing application would use it.

func newOpenAIClient(t *testing.T, e *testEnv) *openai.LLM {
	t.Helper()
	llm, err := openai.New(
		openai.WithBaseURL(e.URL+"/v1"),
		openai.WithToken("sk-test"),
		openai.WithModel("policybot"),
		openai.WithHTTPClient(e.Client()),
	)
	if err != nil {
		t.Fatal(err)
	}
	return llm
}

func TestOpenAICompatible(t *testing.T) {
	e := newTestServer(t, web.Options{PublicURL: "https://policybot.example.gov.cn"}, nil)
	llm := newOpenAIClient(t, e)
	ctx := context.Background()

	t.Run("single prompt", func(t *testing.T) {
		got, err := llms.GenerateFromSinglePrompt(ctx, llm, qLittleGiant)
		if err != nil {
			t.Fatalf("GenerateFromSinglePrompt: %v", err)
		}
		for _, want := range []string{"50万元", "来源", "https://policybot.example.gov.cn/policies/wz-mfg-2025#article-6", "第6条"} {
			if !strings.Contains(got, want) {
				t.Errorf("answer %q lacks %q", got, want)
			}
		}
	})

	t.Run("streaming", func(t *testing.T) {
		var chunks []string
		resp, err := llm.GenerateContent(ctx,
			[]llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, qLittleGiant)},
			llms.WithStreamingFunc(func(_ context.Context, chunk []byte) error {
				chunks = append(chunks, string(chunk))
				return nil
			}))
		if err != nil {
			t.Fatalf("GenerateContent(stream): %v", err)
		}
		content := resp.Choices[0].Content
		if len(chunks) < 3 || strings.Join(chunks, "") != content {
			t.Errorf("streamed %d chunks %q, final content %q: want several pieces adding up to it", len(chunks), chunks, content)
		}
		if !strings.Contains(content, "50万元") || !strings.Contains(content, "/policies/wz-mfg-2025#article-6") {
			t.Errorf("streamed answer %q lacks the amount or the citation link", content)
		}
		if resp.Choices[0].StopReason != "stop" {
			t.Errorf("stop reason = %q", resp.Choices[0].StopReason)
		}
	})

	t.Run("history makes follow-ups work", func(t *testing.T) {
		first, err := llm.GenerateContent(ctx, []llms.MessageContent{
			llms.TextParts(llms.ChatMessageTypeSystem, "You are helpful."),
			llms.TextParts(llms.ChatMessageTypeHuman, qHotel),
		})
		if err != nil || !strings.Contains(first.Choices[0].Content, "80万元") {
			t.Fatalf("first turn = %v, %v", first, err)
		}
		second, err := llm.GenerateContent(ctx, []llms.MessageContent{
			llms.TextParts(llms.ChatMessageTypeSystem, "You are helpful."),
			llms.TextParts(llms.ChatMessageTypeHuman, qHotel),
			llms.TextParts(llms.ChatMessageTypeAI, first.Choices[0].Content),
			llms.TextParts(llms.ChatMessageTypeHuman, qFollowUp),
		})
		if err != nil || !strings.Contains(second.Choices[0].Content, "30万元") {
			t.Errorf("follow-up = %q, %v; want 30万元", second.Choices[0].Content, err)
		}
	})

	t.Run("refusal", func(t *testing.T) {
		got, err := llms.GenerateFromSinglePrompt(ctx, llm, qWeather)
		if err != nil || !strings.Contains(got, "12345") || strings.Contains(got, "来源") {
			t.Errorf("refusal = %q, %v", got, err)
		}
	})

	t.Run("too long", func(t *testing.T) {
		_, err := llms.GenerateFromSinglePrompt(ctx, llm, strings.Repeat("补", 1001))
		if err == nil || !strings.Contains(err.Error(), "413") || !strings.Contains(err.Error(), "1000 characters") {
			t.Errorf("too long a message: error %v, want 413 with the message", err)
		}
	})
}

func TestOpenAIResponseShape(t *testing.T) {
	e := newTestServer(t, web.Options{}, nil)
	res := e.post(t, "/v1/chat/completions", map[string]any{
		"model":    "gpt-4o",
		"messages": []map[string]any{{"role": "user", "content": []map[string]string{{"type": "text", "text": qLittleGiant}}}},
	})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, readBody(t, res))
	}
	var got struct {
		ID, Object, Model string
		Choices           []struct {
			Message struct {
				Role, Content string
			}
			FinishReason string `json:"finish_reason"`
		}
		Citations []string
		PolicyBot struct {
			ConversationID string `json:"conversation_id"`
			MessageID      string `json:"message_id"`
			Citations      []struct{ Doc, URL string }
		} `json:"policybot"`
	}
	if err := json.Unmarshal([]byte(readBody(t, res)), &got); err != nil {
		t.Fatal(err)
	}
	if got.Object != "chat.completion" || got.Model != "policybot" || !strings.HasPrefix(got.ID, "chatcmpl-") ||
		len(got.Choices) != 1 || got.Choices[0].Message.Role != "assistant" || got.Choices[0].FinishReason != "stop" {
		t.Errorf("response = %+v", got)
	}
	if len(got.Citations) != 1 || len(got.PolicyBot.Citations) != 1 || got.PolicyBot.Citations[0].URL != got.Citations[0] ||
		!strings.HasPrefix(got.PolicyBot.ConversationID, "oai-") {
		t.Errorf("citations = %v, extension = %+v", got.Citations, got.PolicyBot)
	}
	if _, err := e.store.Message(context.Background(), got.PolicyBot.MessageID); err != nil {
		t.Errorf("OpenAI message not saved: %v", err)
	}

	for name, body := range map[string]any{
		"no messages":        map[string]any{"messages": []any{}},
		"last not from user": map[string]any{"messages": []map[string]string{{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}}},
		"malformed":          `{"messages": [`,
	} {
		res := e.post(t, "/v1/chat/completions", body)
		var eb struct {
			Error struct{ Message, Type string }
		}
		if err := json.Unmarshal([]byte(readBody(t, res)), &eb); err != nil || res.StatusCode != 400 || eb.Error.Message == "" || eb.Error.Type != "invalid_request_error" {
			t.Errorf("%s: %d %+v (%v), want 400 with an OpenAI error", name, res.StatusCode, eb, err)
		}
	}
}

// An OpenAI stream cannot take back what it sent, and need not: the bot
// streams only checked sentences, then the line saying why and the offline
// answer; the content ends with the offline answer's sources.
func TestOpenAIStreamReplaced(t *testing.T) {
	e := newTestServer(t, web.Options{Generator: true}, fakeAnswerer{func(_ context.Context, _ bot.Request, onDelta func(string)) (bot.Answer, error) {
		onDelta("奖励50万元[1]。")
		onDelta("\n\n" + bot.GeneratorRejectedNotice + "\n\n")
		onDelta("根据第6条：奖励50万元")
		return bot.Answer{ConversationID: "c", Text: "根据第6条：奖励50万元", Replaced: true,
			Citations: []convlog.Citation{{Doc: "wz-mfg-2025", Article: 6, Label: "第6条", Title: "制造业政策"}}}, nil
	}})
	var streamed strings.Builder
	resp, err := newOpenAIClient(t, e).GenerateContent(context.Background(),
		[]llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, "小巨人")},
		llms.WithStreamingFunc(func(_ context.Context, chunk []byte) error {
			streamed.Write(chunk)
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	got := resp.Choices[0].Content
	want := "奖励50万元[1]。\n\n" + bot.GeneratorRejectedNotice + "\n\n根据第6条：奖励50万元\n\n来源 Sources:\n[1] 《制造业政策》第6条 "
	if !strings.HasPrefix(got, want) || strings.Count(got, bot.GeneratorRejectedNotice) != 1 || !strings.Contains(got, "/policies/wz-mfg-2025#article-6") {
		t.Errorf("content = %q, want %q… with the source link", got, want)
	}
}

// The messages a client sends are the conversation: a follow-up after a
// user/assistant exchange is answered, with no X-Conversation-Id and
// nothing the server remembers.
func TestOpenAIConversationFromMessages(t *testing.T) {
	e := newTestServer(t, web.Options{}, nil)
	res := e.post(t, "/v1/chat/completions", map[string]any{"model": "policybot", "messages": []map[string]string{
		{"role": "system", "content": "你是助手"},
		{"role": "user", "content": qLittleGiant},
		{"role": "assistant", "content": "根据……奖励50万元。"},
		{"role": "user", "content": "那省级的呢？"},
	}})
	var got struct {
		Choices   []struct{ Message struct{ Content string } }
		PolicyBot struct {
			Refused   bool
			Citations []struct{ Doc string }
		} `json:"policybot"`
	}
	if err := json.Unmarshal([]byte(readBody(t, res)), &got); err != nil || res.StatusCode != 200 || len(got.Choices) != 1 {
		t.Fatalf("POST /v1/chat/completions = %d %+v, %v", res.StatusCode, got, err)
	}
	content := got.Choices[0].Message.Content
	if got.PolicyBot.Refused || strings.Contains(content, "请问您指的是") || !strings.Contains(content, "省级") || len(got.PolicyBot.Citations) == 0 {
		t.Errorf("follow-up answered %q (refused %v), want the provincial reward from the client's history", content, got.PolicyBot.Refused)
	}
}

func TestOpenAIModelByID(t *testing.T) {
	e := newTestServer(t, web.Options{}, nil)
	res := e.get(t, "/v1/models/policybot")
	var m struct{ ID, Object string }
	if err := json.Unmarshal([]byte(readBody(t, res)), &m); err != nil || res.StatusCode != 200 || m.ID != "policybot" || m.Object != "model" {
		t.Errorf("GET /v1/models/policybot = %d %+v, %v", res.StatusCode, m, err)
	}
	res = e.get(t, "/v1/models/gpt-4")
	var eb struct {
		Error struct{ Message, Type string }
	}
	if err := json.Unmarshal([]byte(readBody(t, res)), &eb); err != nil || res.StatusCode != 404 || !strings.Contains(eb.Error.Message, "gpt-4") {
		t.Errorf("GET /v1/models/gpt-4 = %d %+v, %v, want an OpenAI-shaped 404", res.StatusCode, eb, err)
	}
}
