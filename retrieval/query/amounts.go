package query

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// amounts finds the amounts in s (a Normalized question) and writes them as the corpus does:
// Arabic digits, 万/亿 as the magnitude, then the unit (50万元, 1亿美元, 2000平方米, 70%).
func amounts(s string) []string {
	var out []string
	add := func(a string) {
		for _, x := range out {
			if x == a {
				return
			}
		}
		out = append(out, a)
	}
	chineseAmounts(s, add)
	if strings.ContainsAny(s, "0123456789") {
		englishAmounts(s, add)
	}
	return out
}

var cnDigit = map[rune]float64{
	'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4,
	'五': 5, '六': 6, '七': 7, '八': 8, '九': 9,
}

var cnUnit = map[rune]float64{'十': 10, '百': 100, '千': 1000, '万': 1e4, '亿': 1e8}

// cnUnits are the units that may follow a number, and how the corpus writes them. Longest first.
var cnUnits = []struct{ in, out string }{
	{"平方米", "平方米"}, {"美元", "美元"}, {"美金", "美元"}, {"人民币", "元"}, {"人次", "人次"},
	{"个月", "个月"}, {"平米", "平方米"}, {"平方", "平方米"}, {"元", "元"}, {"块", "元"},
	{"张", "张"}, {"%", "%"},
}

// chineseAmounts handles numbers written with Chinese numerals or a Chinese magnitude (五十万,
// 一个亿, 2千万, 百分之三十) and Arabic amounts with a unit (50万元, 500万美金).
func chineseAmounts(s string, add func(string)) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		percent := false
		start := i
		if strings.HasPrefix(s[i:], "百分之") {
			percent = true
			start = i + len("百分之")
		} else if !isNumeral(r) {
			i += n
			continue
		}
		end, v, ok := parseNumber(s, start)
		if !ok {
			i = max(end, i+n)
			continue
		}
		if percent {
			add(formatNumber(v) + "%")
			i = end
			continue
		}
		unit, uend := "", end
		for _, u := range cnUnits {
			if strings.HasPrefix(s[end:], u.in) {
				unit, uend = u.out, end+len(u.in)
				break
			}
		}
		if unit != "" || strings.ContainsAny(s[start:end], "万亿") {
			add(formatAmount(v) + unit)
		}
		i = uend
	}
}

func isNumeral(r rune) bool {
	_, d := cnDigit[r]
	return d || r == '十' || '0' <= r && r <= '9'
}

// parseNumber reads a number at s[i:]: Arabic digits (with a decimal point), Chinese numerals,
// or a mix (2千万). It reports where the number ends, its value, and whether it is a number at
// all (万 alone, as in the name 万利, is not).
func parseNumber(s string, i int) (end int, v float64, ok bool) {
	chinese := false
	var total, section, num, lastUnit float64
	digits, afterUnit, zero := false, false, false
	j := i
loop:
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		d, isDigit := cnDigit[r]
		switch {
		case '0' <= r && r <= '9':
			k := j
			for k < len(s) && ('0' <= s[k] && s[k] <= '9' || s[k] == '.' && k+1 < len(s) && '0' <= s[k+1] && s[k+1] <= '9') {
				k++
			}
			x, err := strconv.ParseFloat(s[j:k], 64)
			if err != nil {
				return k, 0, false
			}
			num, digits, afterUnit = x, true, false
			j = k
			continue
		case isDigit:
			num, digits, chinese, afterUnit = d, true, true, false
			zero = zero || d == 0
		case r == '个' && digits && (strings.HasPrefix(s[j+n:], "亿") || strings.HasPrefix(s[j+n:], "万")):
			// 一个亿, 两个亿
		case cnUnit[r] > 0:
			u := cnUnit[r]
			switch {
			case u == 1e8:
				total = (total + section + num) * u
				section = 0
			case u == 1e4:
				total += (section + num) * u
				section = 0
			default:
				chinese = true
				if num == 0 && r == '十' {
					num, digits = 1, true // 十万 = 一十万
				}
				section += num * u
			}
			num, lastUnit, afterUnit, zero = 0, u, true, false
		default:
			break loop
		}
		j += n
	}
	if !digits || j == i {
		return j, 0, false
	}
	if !afterUnit && !zero && chinese && num > 0 && num < 10 && lastUnit >= 100 {
		num *= lastUnit / 10 // 一百五 = 150, 一万五 = 15000
	}
	return j, total + section + num, true
}

// formatAmount writes v with 亿 or 万 as the magnitude when it divides evenly, as the corpus does.
func formatAmount(v float64) string {
	switch {
	case v >= 1e8 && isWhole(v/1e8*100):
		return formatNumber(v/1e8) + "亿"
	case v >= 1e4 && isWhole(v/1e4*100):
		return formatNumber(v/1e4) + "万"
	}
	return formatNumber(v)
}

func isWhole(x float64) bool { return math.Abs(x-math.Round(x)) < 1e-9 }

func formatNumber(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64)
}

// englishAmount: "$100 million", "5 million yuan", "500k", "70 percent", "2,000 square meters".
var englishAmount = regexp.MustCompile(`(us\$|\$)?\s?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(thousand|million|billion|mn|bn|k|m)?\b\s?(us dollars?|dollars?|usd|yuan|rmb|cny|percent|square met(?:er|re)s?|sq\.? ?m|sqm|m2|tickets?)?`)

func englishAmounts(s string, add func(string)) {
	for _, m := range englishAmount.FindAllStringSubmatch(s, -1) {
		currency, number, scale, unit := m[1], m[2], m[3], m[4]
		if currency == "" && scale == "" && unit == "" {
			continue
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(number, ",", ""), 64)
		if err != nil {
			continue
		}
		switch scale {
		case "thousand", "k":
			v *= 1e3
		case "million", "mn", "m":
			if scale == "m" && unit == "" && currency == "" {
				continue // 2000m is metres, not millions
			}
			v *= 1e6
		case "billion", "bn":
			v *= 1e9
		}
		var u string
		switch {
		case currency != "" || strings.Contains(unit, "dollar") || unit == "usd":
			u = "美元"
		case unit == "yuan" || unit == "rmb" || unit == "cny":
			u = "元"
		case unit == "percent":
			add(formatNumber(v) + "%")
			continue
		case strings.HasPrefix(unit, "sq") || unit == "m2":
			u = "平方米"
		case strings.HasPrefix(unit, "ticket"):
			u = "张"
		}
		add(formatAmount(v) + u)
	}
}
