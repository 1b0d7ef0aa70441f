package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"policybot/bot"
	"policybot/policies"
	"policybot/policies/amount"
	"policybot/web"
)

const matchUsage = `usage: policybot match [--json] [--full] [--as-of DATE] TEXT
       policybot match [--json] [--full] [--as-of DATE] --profile FILE [TEXT]

Lists every measure in force in the company's region that it may qualify for,
with the estimated amounts: TEXT describes the company ("我们是吴中一家做精密零部件
的规上企业，去年营收8亿，今年设备投了3000万，刚评上省级专精特新"); FILE is a profile
as JSON (the "profile" of POST /api/match; - reads standard input).
`

func runMatch(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("match", flag.ContinueOnError)
	fl.SetOutput(stderr)
	asJSON := fl.Bool("json", false, "print the result as POST /api/match returns it")
	full := fl.Bool("full", false, "list the measures a stated fact fails too, with the reason")
	profileFile := fl.String("profile", "", "a profile as JSON (- for standard input)")
	asOf := fl.String("as-of", "", "match the measures in force on this day (YYYY-MM-DD) instead of today")
	fl.Usage = func() {
		fmt.Fprint(stderr, matchUsage)
		fl.PrintDefaults()
	}
	words, err := parseInterleaved(fl, args)
	if err != nil {
		return err
	}
	req := bot.MatchRequest{Text: strings.Join(words, " "), Full: *full}
	if *profileFile != "" {
		p, err := readProfileFile(*profileFile, stdin)
		if err != nil {
			return err
		}
		req.Profile = p
	}
	if req.Profile == nil && strings.TrimSpace(req.Text) == "" {
		fl.Usage()
		return errors.New("match: describe the company or give --profile FILE (请描述企业情况或提供企业信息文件)")
	}
	if *asOf != "" {
		day, err := policies.ParseDate(*asOf)
		if err != nil {
			return fmt.Errorf("match: --as-of %q: want YYYY-MM-DD (日期格式应为 YYYY-MM-DD)", *asOf)
		}
		req.AsOf = day.Time
	}
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	res, err := a.bot.Match(ctx, req)
	if err != nil {
		return fmt.Errorf("match: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(web.MatchJSON(cfg.PublicURL, res))
	}
	printMatches(stdout, res)
	return nil
}

// readProfileFile reads a profile from a JSON file, or standard input for
// "-": a profile object, or a request body {"profile": {...}}.
func readProfileFile(name string, stdin io.Reader) (*bot.Profile, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, 1<<20))
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, fmt.Errorf("match: --profile: %w", err)
	}
	var wrapped struct {
		Profile *bot.Profile `json:"profile"`
	}
	if err := json.Unmarshal(data, &wrapped); err == nil && wrapped.Profile != nil {
		return wrapped.Profile, nil
	}
	var p bot.Profile
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("match: --profile %s is not a JSON profile: %v (企业信息文件不是有效的 JSON)", name, err)
	}
	return &p, nil
}

var statusLabels = map[bot.MatchStatus]string{bot.MatchMatched: "符合", bot.MatchPossible: "待确认", bot.MatchNotMatched: "不符合"}

// printMatches writes a match result for a person.
func printMatches(w io.Writer, res bot.MatchResult) {
	u, _ := json.Marshal(res.Understood)
	fmt.Fprintf(w, "识别的企业信息（可修改后用 --profile 重新匹配）：%s\n适用地区：%s\n\n", u, res.Region)
	if len(res.Matches) == 0 {
		fmt.Fprintln(w, "没有找到可匹配的条款。可补充资质级别、投资金额、营收等信息后再试。")
	}
	for i, m := range res.Matches {
		fmt.Fprintf(w, "%d. [%s] 《%s》%s：%s", i+1, statusLabels[m.Status], m.Title, m.Label, m.Subject)
		if m.Event != "" {
			fmt.Fprintf(w, "（活动：%s）", m.Event)
		}
		fmt.Fprintln(w)
		if m.HasEstimate {
			fmt.Fprintf(w, "   测算：%s", amount.Format(m.Estimate, m.EstimateUnit))
			if !m.Counted {
				fmt.Fprint(w, "（未计入合计）")
			}
			fmt.Fprintln(w)
		}
		if m.Working != "" {
			fmt.Fprintf(w, "   依据：%s\n", m.Working)
		}
		if m.StackNote != "" {
			fmt.Fprintf(w, "   叠加规则：%s\n", m.StackNote)
		}
		for _, c := range m.Conditions {
			fmt.Fprintf(w, "   待确认：%s\n", c)
		}
		for _, c := range m.Unmet {
			fmt.Fprintf(w, "   不符合：%s\n", c)
		}
		fmt.Fprintf(w, "   条款：“%s”\n   部门：%s　申报：%s\n", m.Quote, m.Department, m.Deadline)
	}
	fmt.Fprintf(w, "\n%s\n", res.TotalNote)
	for _, n := range res.Notes {
		fmt.Fprintf(w, "不享受情形：%s\n", n)
	}
	if res.Sample {
		fmt.Fprintf(w, "\n%s\n", bot.SampleNotice)
	}
}
