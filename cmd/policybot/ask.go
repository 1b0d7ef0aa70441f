package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"policybot/bot"
)

type askCitation struct {
	Doc        string `json:"doc"`
	Article    int    `json:"article"`
	Title      string `json:"title"`
	Department string `json:"department"`
	Quote      string `json:"quote"`
}

type askOutput struct {
	Answer string `json:"answer"`
	// Mode is the kind of reply (bot.Mode), RouteTo the department of a
	// route reply, Choices the suggestions of a clarifying one.
	Mode      bot.Mode      `json:"mode"`
	Refused   bool          `json:"refused"`
	RouteTo   string        `json:"route_to,omitempty"`
	Choices   []bot.Choice  `json:"choices"`
	Notice    string        `json:"notice,omitempty"`
	Citations []askCitation `json:"citations"`
}

// hedgeLabel marks the citations of a hedged reply, as the widget does.
const hedgeLabel = "可能相关的条款（未必完全对应您的问题）"

func runAsk(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("ask", flag.ContinueOnError)
	fl.SetOutput(stderr)
	asJSON := fl.Bool("json", false, "print the answer as JSON")
	conv := fl.String("conversation", "", "conversation id: follow-up questions with the same id see the earlier turns")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: policybot ask [--json] [--conversation ID] QUESTION   (QUESTION - reads standard input; flags may follow it; -- ends them)")
		fl.PrintDefaults()
	}
	// Flags may come after the question too ("ask 奖励多少 --json"); after
	// "--" everything is the question.
	words, err := parseInterleaved(fl, args)
	if err != nil {
		return err
	}
	question := strings.Join(words, " ")
	if question == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, 64*1024))
		if err != nil {
			return err
		}
		question = string(b)
	}
	if strings.TrimSpace(question) == "" {
		fl.Usage()
		return errors.New("ask: no question given (请输入问题)")
	}
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	ans, err := a.bot.Ask(ctx, bot.Request{ConversationID: *conv, Message: question})
	if err != nil {
		return err
	}
	if *asJSON {
		out := askOutput{Answer: ans.Text, Mode: ans.Mode, Refused: ans.Refused, RouteTo: ans.RouteTo,
			Choices: append([]bot.Choice{}, ans.Choices...), Notice: ans.Notice, Citations: []askCitation{}}
		for _, c := range ans.Citations {
			out.Citations = append(out.Citations, askCitation{Doc: c.Doc, Article: c.Article, Title: c.Title, Department: c.Department, Quote: c.Quote})
		}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintln(stdout, ans.Text)
	if len(ans.Choices) > 0 {
		fmt.Fprintln(stdout, "\n您可以这样问：")
		for i, c := range ans.Choices {
			fmt.Fprintf(stdout, "  %d. %s\n", i+1, c.Message)
		}
	}
	if ans.Mode != bot.ModeRoute && ans.Mode != bot.ModeRefuse {
		source := "出处"
		if ans.Mode == bot.ModeHedge {
			source = hedgeLabel
		}
		for _, c := range ans.Citations {
			fmt.Fprintf(stdout, "\n%s：《%s》%s（%s · %s）\n", source, c.Title, c.Label, c.Doc, c.Department)
		}
	}
	if ans.Notice != "" {
		fmt.Fprintf(stdout, "\n%s\n", ans.Notice)
	}
	return nil
}
