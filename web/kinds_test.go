package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"policybot/bot"
	"policybot/bot/convlog"
	"policybot/web"
)

// scriptedAnswers is a bot whose reply depends on the question: one of each
// mode, so every channel's rendering can be checked without depending on
// what today's bot does with a question.
func scriptedAnswers() fakeAnswerer {
	cite := convlog.Citation{Doc: "wz-mfg-2025", Article: 6, Label: "第6条", Title: "制造业若干政策措施", Department: "区工信局",
		Quote: "首次认定为国家级专精特新“小巨人”企业的，给予一次性奖励50万元"}
	return fakeAnswerer{func(_ context.Context, req bot.Request, onDelta func(string)) (bot.Answer, error) {
		a := bot.Answer{ConversationID: "conv-1"}
		switch req.Message {
		case "补贴":
			a.Mode, a.Refused = bot.ModeClarify, true
			a.Text = "请问您想了解哪一类补贴？"
			a.Choices = []bot.Choice{
				{Label: "智改数转", Message: "智改数转项目怎么补助？"},
				{Label: "境外展会", Message: "企业参加境外展会有补贴吗？"},
			}
		case "小巨人有什么奖":
			a.Mode = bot.ModeHedge
			a.Text = "最相关的条款可能是：\n“" + cite.Quote + "”"
			a.Citations = []convlog.Citation{cite}
		case "企业所得税怎么减免":
			a.Mode, a.Refused, a.RouteTo = bot.ModeRoute, true, "区税务局"
			a.Text = "现有政策文件未涉及企业所得税，请咨询区税务局。"
			a.Citations = []convlog.Citation{cite} // a route must still show no source
		case "谢谢":
			a.Mode = bot.ModeChat
			a.Text = "不客气！"
		default:
			a.Mode = bot.ModeAnswer
			a.Text = "根据《制造业若干政策措施》第6条：\n“" + cite.Quote + "”"
			a.Citations = []convlog.Citation{cite}
		}
		if onDelta != nil {
			onDelta(a.Text)
		}
		return a, nil
	}}
}

type kindJSON struct {
	Mode    string `json:"mode"`
	RouteTo string `json:"route_to"`
	Choices []struct {
		Label   string `json:"label"`
		Message string `json:"message"`
	} `json:"choices"`
}

// TestReplyKinds: mode, choices and route_to in /api/chat, in the stream's
// done event and in the /v1 response's policybot extension; a route reply
// carries no sources in /v1 content, a clarifying one lists its choices.
func TestReplyKinds(t *testing.T) {
	e := newTestServer(t, web.Options{}, scriptedAnswers())
	tests := []struct {
		q, mode, routeTo string
		choices          []string
	}{
		{"补贴", "clarify", "", []string{"智改数转项目怎么补助？", "企业参加境外展会有补贴吗？"}},
		{"小巨人有什么奖", "hedge", "", nil},
		{"企业所得税怎么减免", "route", "区税务局", nil},
		{"谢谢", "chat", "", nil},
		{"小巨人奖励多少", "answer", "", nil},
	}
	check := func(t *testing.T, where string, k kindJSON, raw string, mode, routeTo string, choices []string) {
		t.Helper()
		var msgs []string
		for _, c := range k.Choices {
			msgs = append(msgs, c.Message)
		}
		if k.Mode != mode || k.RouteTo != routeTo || strings.Join(msgs, "|") != strings.Join(choices, "|") {
			t.Errorf("%s = %+v, want mode %s, route_to %q, choices %q", where, k, mode, routeTo, choices)
		}
		if !strings.Contains(raw, `"choices":[`) {
			t.Errorf("%s: choices missing or null in %s (want a list, empty when none)", where, raw)
		}
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			body := readBody(t, e.post(t, "/api/chat", map[string]string{"message": tc.q}))
			var k kindJSON
			if err := json.Unmarshal([]byte(body), &k); err != nil {
				t.Fatal(err)
			}
			check(t, "/api/chat", k, body, tc.mode, tc.routeTo, tc.choices)

			events := readSSE(t, e.post(t, "/api/chat/stream", map[string]string{"message": tc.q}).Body)
			done := events[len(events)-1]
			k = kindJSON{}
			if err := json.Unmarshal([]byte(done.data), &k); err != nil || done.name != "done" {
				t.Fatalf("last event %+v: %v", done, err)
			}
			check(t, "stream done", k, done.data, tc.mode, tc.routeTo, tc.choices)

			res := e.post(t, "/v1/chat/completions", map[string]any{"model": "policybot",
				"messages": []map[string]string{{"role": "user", "content": tc.q}}})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("/v1 = %d", res.StatusCode)
			}
			var oai struct {
				Choices []struct {
					Message struct{ Content string } `json:"message"`
				} `json:"choices"`
				PolicyBot json.RawMessage `json:"policybot"`
			}
			if err := json.Unmarshal([]byte(readBody(t, res)), &oai); err != nil {
				t.Fatal(err)
			}
			k = kindJSON{}
			if err := json.Unmarshal(oai.PolicyBot, &k); err != nil {
				t.Fatal(err)
			}
			check(t, "/v1 policybot", k, string(oai.PolicyBot), tc.mode, tc.routeTo, tc.choices)
			content := oai.Choices[0].Message.Content
			switch tc.mode {
			case "route", "chat":
				if strings.Contains(content, "来源") || strings.Contains(content, "Sources") {
					t.Errorf("/v1 content of a %s reply lists sources: %q", tc.mode, content)
				}
			case "hedge":
				if !strings.Contains(content, "可能相关的条款（未必完全对应您的问题）") {
					t.Errorf("/v1 content of a hedge does not mark it: %q", content)
				}
			case "clarify":
				for _, c := range tc.choices {
					if !strings.Contains(content, c) {
						t.Errorf("/v1 content of a clarifying reply lacks the choice %q: %q", c, content)
					}
				}
			case "answer":
				if !strings.Contains(content, "来源 Sources:") {
					t.Errorf("/v1 content of an answer lacks its sources: %q", content)
				}
			}
		})
	}
}
