package bot

import (
	"fmt"
	"math"
	"strings"

	"policybot/policies"
	"policybot/policies/amount"
)

// computed is a benefit worked out from a figure of the company's: the
// one computation behind both an answer's "测算" line (computeLines) and a
// policy match's estimate (match.go).
type computed struct {
	// raw is the amount before the cap; value after it (raw when the cap
	// is in another unit, which is converted at payment).
	raw, value float64
	unit       string
	// working is the arithmetic (800万元×12%, 1.5万张×10元) and rule what
	// the clause computes it by (投入额, 每张10元, 每100万美元奖励1万元).
	working, rule string
	// capped: the cap applied; capOther: the cap is in another unit.
	capped, capOther bool
}

// computeBenefit applies a rate, per-unit or step benefit to the figure x
// in unit u. It reports false for a benefit not computed from a figure
// (fixed, up to, steps).
func computeBenefit(b *policies.BenefitTerms, x float64, u string) (computed, bool) {
	var c computed
	switch b.Kind {
	case policies.BenefitRate:
		c = computed{raw: x * b.Rate / 100, unit: u, rule: b.Base,
			working: fmt.Sprintf("%s×%s%%", amount.Format(x, u), amount.FormatNumber(b.Rate))}
	case policies.BenefitPerUnit:
		c = computed{raw: x * b.Amount.Value, unit: b.Amount.Unit, rule: "每" + b.Base + b.Amount.String(),
			working: fmt.Sprintf("%s×%s", amount.Format(x, u), b.Amount)}
	case policies.BenefitStep:
		if b.Per.Value == 0 {
			return computed{}, false
		}
		c = computed{raw: math.Floor(x/b.Per.Value) * b.Amount.Value, unit: b.Amount.Unit,
			rule:    "每" + b.Per.String() + "奖励" + b.Amount.String(),
			working: fmt.Sprintf("%s÷%s×%s", amount.Format(x, u), b.Per, b.Amount)}
	default:
		return computed{}, false
	}
	c.value = c.raw
	switch {
	case b.Cap.IsZero():
	case b.Cap.Unit != c.unit:
		c.capOther = true
	case c.raw > b.Cap.Value:
		c.value, c.capped = b.Cap.Value, true
	}
	return c, true
}

// reachedStep returns the highest step of a 分别 list that x reaches, or
// -1 when it reaches none.
func reachedStep(steps []policies.StepTerm, x float64) int {
	best := -1
	for i, s := range steps {
		if s.Threshold.Met(x) {
			best = i
		}
	}
	return best
}

// topsUp reports whether an article tops up the difference when a company
// moves up a tier (晋级的，补足差额).
func topsUp(cs []policies.Clause) bool {
	for _, c := range cs {
		if containsAny(c.Text, "补足差额", "补差") {
			return true
		}
	}
	return false
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
