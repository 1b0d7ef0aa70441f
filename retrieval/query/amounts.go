package query

import (
	"slices"
	"strings"

	"policybot/policies/amount"
)

// searchUnits are the units of the figures a policy text states, which a
// question's figure may be matched against (a count of patents or a
// duration in years is not).
var searchUnits = map[string]bool{"平方米": true, "张": true, "人次": true, "个月": true}

// amounts finds the amounts in s (a Normalized question) and writes them as the corpus does:
// Arabic digits, 万/亿 as the magnitude, then the unit (50万元, 1亿美元, 2000平方米, 70%).
// A number with a magnitude but no unit (两个亿) is kept without one (2亿).
func amounts(s string) []string {
	var out []string
	for _, a := range amount.Scan(s) {
		var w string
		switch {
		case a.Vague:
			continue
		case a.Kind == amount.Money, a.Kind == amount.Percent:
			w = a.String()
		case a.Kind == amount.Quantity && searchUnits[a.Unit]:
			w = a.String()
		case a.Kind == amount.Bare && a.Value >= 1e4 && strings.Trim(a.Text, "0123456789,.") != "":
			// 两个亿, 800w, 1 billion: a magnitude makes it an amount; 20000 alone may be anything.
			w = a.String()
		default:
			continue
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}
