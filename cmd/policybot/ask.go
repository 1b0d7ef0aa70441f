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
	Answer    string        `json:"answer"`
	Refused   bool          `json:"refused"`
	Notice    string        `json:"notice,omitempty"`
	Citations []askCitation `json:"citations"`
}

func runAsk(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("ask", flag.ContinueOnError)
	fl.SetOutput(stderr)
	asJSON := fl.Bool("json", false, "print the answer as JSON")
	conv := fl.String("conversation", "", "conversation id: follow-up questions with the same id see the earlier turns")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: policybot ask [--json] [--conversation ID] QUESTION   (QUESTION - reads standard input)")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	question := strings.Join(fl.Args(), " ")
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
	ans, err := a.bot.Ask(ctx, bot.Request{ConversationID: *conv, Message: question})
	if err != nil {
		return err
	}
	if *asJSON {
		out := askOutput{Answer: ans.Text, Refused: ans.Refused, Notice: ans.Notice, Citations: []askCitation{}}
		for _, c := range ans.Citations {
			out.Citations = append(out.Citations, askCitation{Doc: c.Doc, Article: c.Article, Title: c.Title, Department: c.Department, Quote: c.Quote})
		}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintln(stdout, ans.Text)
	for _, c := range ans.Citations {
		fmt.Fprintf(stdout, "\n出处：《%s》%s（%s · %s）\n", c.Title, c.Label, c.Doc, c.Department)
	}
	if ans.Notice != "" {
		fmt.Fprintf(stdout, "\n%s\n", ans.Notice)
	}
	return nil
}
