package bot

import (
	"fmt"
	"strings"

	"policybot/policies"
	"policybot/policies/amount"
)

// englishSummary states in English what the selected clauses of an article
// grant and require, with amounts as "500,000 yuan (50万元)": an English
// reader gets the answer, and the Chinese clause follows as the source.
//
// A list of steps the company's one figure has picked one of (营收首次过10亿)
// is not listed: the step reached is said (chooseStep), not the others'
// amounts.
func (b *Bot) englishSummary(q understood, a *article, sel selection) []string {
	idx := sel.clauses
	if idx == nil {
		for i := range a.clauses {
			idx = append(idx, i)
		}
	}
	var out []string
	for _, i := range idx {
		c := a.clauses[i]
		switch c.Kind {
		case policies.ClauseBenefit:
			if c.Benefit != nil && c.Benefit.Kind == policies.BenefitSteps && len(stepFacts(q, c)) == 1 {
				continue // one figure, one step (several: which is the company's is not sure)
			}
			if line := b.englishBenefit(c); line != "" {
				out = append(out, "- "+line)
			}
		case policies.ClauseCondition:
			for _, t := range c.Thresholds {
				out = append(out, fmt.Sprintf("- Condition: %s %s %s.", b.englishPhrase(t.Quantity), englishOp(t.Op), amount.FormatEnglish(t.Value.Value, t.Value.Unit)))
			}
		case policies.ClauseStacking:
			out = append(out, "- Stacking: "+englishStacking(c.Text))
		case policies.ClauseExclusion:
			out = append(out, "- Exclusion: companies in the situations listed in the original text do not qualify.")
		case policies.ClauseValidity:
			out = append(out, "- In force: "+englishDates(c.Text))
		case policies.ClauseProcedure:
			out = append(out, "- Application: see the original text below for when and how to apply.")
		}
	}
	return out
}

func (b *Bot) englishBenefit(c policies.Clause) string {
	bt := c.Benefit
	who := ""
	if c.Subject != "" {
		who = " for " + c.Subject
		if c.Tier != "" {
			who += " (" + englishTier(c.Tier) + ")"
		}
	}
	var s string
	switch bt.Kind {
	case policies.BenefitFixed:
		s = fmt.Sprintf("Reward of %s%s", amount.FormatEnglish(bt.Amount.Value, bt.Amount.Unit), who)
	case policies.BenefitUpTo:
		s = fmt.Sprintf("Up to %s%s, set case by case", amount.FormatEnglish(bt.Amount.Value, bt.Amount.Unit), who)
	case policies.BenefitRate:
		s = fmt.Sprintf("Subsidy of %s%% of %s", amount.FormatNumber(bt.Rate), b.englishPhrase(bt.Base))
	case policies.BenefitPerUnit:
		s = fmt.Sprintf("%s per %s", amount.FormatEnglish(bt.Amount.Value, bt.Amount.Unit), b.englishPhrase(bt.Base))
	case policies.BenefitStep:
		s = fmt.Sprintf("%s for every %s of increase", amount.FormatEnglish(bt.Amount.Value, bt.Amount.Unit), amount.FormatEnglish(bt.Per.Value, bt.Per.Unit))
	case policies.BenefitSteps:
		var parts []string
		for _, st := range bt.Steps {
			parts = append(parts, fmt.Sprintf("%s at %s", amount.FormatEnglish(st.Amount.Value, st.Amount.Unit), amount.FormatEnglish(st.Threshold.Value.Value, st.Threshold.Value.Unit)))
		}
		s = "Rewards by step: " + strings.Join(parts, "; ")
	default:
		return ""
	}
	if !bt.Cap.IsZero() {
		s += fmt.Sprintf(", capped at %s", amount.FormatEnglish(bt.Cap.Value, bt.Cap.Unit))
		if sc := englishScope(bt.CapScope); sc != "" {
			s += " " + sc
		}
	}
	for _, t := range c.Thresholds {
		s += fmt.Sprintf("; condition: %s %s %s", b.englishPhrase(t.Quantity), englishOp(t.Op), amount.FormatEnglish(t.Value.Value, t.Value.Unit))
		if t.First {
			s += " (for the first time)"
		}
	}
	return s + "."
}

// englishPhrase writes a Chinese phrase of a clause through the glossary
// when it has it, keeping the Chinese beside it; as written otherwise.
func (b *Bot) englishPhrase(zh string) string {
	if en := b.cfg.Rewriter.English(zh); en != "" {
		return en + " (" + zh + ")"
	}
	return zh
}

var capScopes = map[string]string{
	"单个项目": "per project", "单个企业每年": "per enterprise per year", "每家企业每年": "per enterprise per year",
	"每家企业": "per enterprise", "单场": "per event", "每家旅行社每年": "per travel agency per year",
	"单个企业": "per enterprise", "每个主体每年": "per applicant per year",
}

func englishScope(zh string) string {
	if en, ok := capScopes[zh]; ok {
		return en
	}
	if zh == "" {
		return ""
	}
	return "(" + zh + ")"
}

func englishStacking(zh string) string {
	switch {
	case strings.Contains(zh, "补足差额"):
		return "when a company moves up a tier, it receives the difference (补足差额)."
	case strings.Contains(zh, "就高"):
		return "the same item is supported once, under the most favourable policy (就高不重复)."
	case strings.Contains(zh, "最高一项"), strings.Contains(zh, "不重复"):
		return "only the highest item is paid in the same year; they do not add up (不重复享受)."
	}
	return "see the original text."
}

func englishDates(zh string) string {
	var dates []string
	for _, a := range amount.Scan(zh) {
		if a.Kind == amount.Date && a.Year > 0 && a.Month > 0 && a.Day > 0 {
			dates = append(dates, fmt.Sprintf("%04d-%02d-%02d", a.Year, a.Month, a.Day))
		}
	}
	switch len(dates) {
	case 0:
		return "see the original text."
	case 1:
		return "from " + dates[0] + "."
	}
	return "from " + dates[0] + " to " + dates[len(dates)-1] + "."
}
