package bot

import (
	"errors"
	"fmt"
	"math"
	"policybot/policies/norm"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrUngrounded is returned by CheckGenerated for a generated answer that
// is not supported by the passages it cites.
var ErrUngrounded = errors.New("answer not grounded in the cited passages")

// CheckGenerated checks a generated answer against the passages it was
// written from, in code, before the answer reaches a user. It returns an
// error wrapping ErrUngrounded that lists every problem when
//
//   - the answer cites no passage ([N], ［N］, 【N】, [1][2], [1,2], [1、2], [1-3]);
//   - a citation points to a passage that was not given;
//   - a figure in the answer (an amount, percentage, date, duration, count
//     or any other number, citation numbers and list numbering excluded)
//     is not in the passages the answer cites.
//
// Figures are compared as whole numbers with their units, after folding
// full-width characters and reading Chinese numerals, so 50万元 matches
// 五十万元 and 500,000 yuan but not 150万元 or 50万美元, and 2025年3月1日
// matches 2025年3月1日起. A figure written with a unit must match a figure
// with the same unit; a bare number matches any figure of the same value.
// The passages cited anywhere in the answer are pooled: a figure need not sit
// next to the citation of the passage it comes from.
func CheckGenerated(answer string, passages []Passage) error {
	text := norm.Fold(answer)
	cited, rest := citations(text)
	if len(cited) == 0 {
		return fmt.Errorf("%w: the answer cites no passage", ErrUngrounded)
	}
	given := make(map[int]Passage, len(passages))
	for _, p := range passages {
		given[p.N] = p
	}
	var problems []string
	var sources []int
	for _, n := range cited {
		if _, ok := given[n]; ok {
			sources = append(sources, n)
			continue
		}
		problems = append(problems, fmt.Sprintf("cites [%d], which was not given (%s)", n, givenList(passages)))
	}
	known := make(map[string]bool)
	for _, n := range sources {
		for _, f := range scanFigures(norm.Fold(sourceText(given[n]))) {
			known[f.key] = true
			for _, k := range f.also {
				known[k] = true
			}
		}
	}
	// Fold keeps every rune where it was and the markers are blanked rune
	// for rune, so a figure's place in rest is its place in the answer.
	orig := []rune(answer)
	aligned := utf8.RuneCountInString(rest) == len(orig)
	seen := make(map[string]bool)
	for _, f := range scanFigures(stripEnumerators(rest)) {
		if known[f.key] || seen[f.key] {
			continue
		}
		seen[f.key] = true
		raw := f.raw
		if aligned {
			i, j := utf8.RuneCountInString(rest[:f.start]), utf8.RuneCountInString(rest[:f.end])
			raw = strings.TrimSpace(string(orig[i:j]))
		}
		problems = append(problems, fmt.Sprintf("%q is not in the cited passages %s", raw, bracketList(sources)))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrUngrounded, strings.Join(problems, "; "))
	}
	return nil
}

// sourceText is everything of a passage an answer may take a figure from:
// the article's text and the citation around it (the label 第6条 and the
// title's year are figures too).
func sourceText(p Passage) string {
	c := p.Citation
	return strings.Join([]string{c.Title, c.Label, c.Department, c.Quote, p.Text}, "\n")
}

func givenList(ps []Passage) string {
	if len(ps) == 0 {
		return "no passages were given"
	}
	ns := make([]int, len(ps))
	for i, p := range ps {
		ns[i] = p.N
	}
	return "given: " + bracketList(ns)
}

func bracketList(ns []int) string {
	if len(ns) == 0 {
		return "(none)"
	}
	var b strings.Builder
	for _, n := range ns {
		fmt.Fprintf(&b, "[%d]", n)
	}
	return b.String()
}

// citationRE matches a citation marker in folded text (［１］ folds to [1]):
// [1], 【1】, [1,2], [1、2], [1;2], [1-3]. Numbers of more than three digits
// are not citations (a bracketed year such as [2025] is a figure).
var citationRE = regexp.MustCompile(`[\[【]\s*(\d{1,3}(?:\s*[,、;\-–~]\s*\d{1,3})*)\s*[\]】]`)

var citationSepRE = regexp.MustCompile(`\s*([,、;\-–~])\s*`)

// maxCitationRange bounds the expansion of [a-b], so "[1-999]" cannot make a
// huge list.
const maxCitationRange = 20

// citations returns the passage numbers cited in s, in order of first
// appearance, and s with the markers blanked out (a space for each rune) so
// their numbers are not read as figures.
func citations(s string) ([]int, string) {
	var out []int
	add := func(n int) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for _, m := range citationRE.FindAllStringSubmatch(s, -1) {
		inner := citationSepRE.ReplaceAllString(m[1], "$1")
		prev := -1
		rangeNext := false
		for _, tok := range splitKeepSeps(inner) {
			switch tok {
			case "-", "–", "~":
				rangeNext = true
				continue
			case ",", "、", ";":
				continue
			}
			n, err := strconv.Atoi(tok)
			if err != nil {
				continue
			}
			if rangeNext && prev >= 0 && n > prev && n-prev <= maxCitationRange {
				for k := prev + 1; k <= n; k++ {
					add(k)
				}
			} else {
				add(n)
			}
			prev, rangeNext = n, false
		}
	}
	blank := citationRE.ReplaceAllStringFunc(s, func(m string) string {
		return strings.Repeat(" ", utf8.RuneCountInString(m))
	})
	return out, blank
}

// splitKeepSeps splits "1,2-4" into "1", ",", "2", "-", "4".
func splitKeepSeps(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if r >= '0' && r <= '9' {
			continue
		}
		if start < i {
			out = append(out, s[start:i])
		}
		out = append(out, string(r))
		start = i + len(string(r))
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// enumeratorRE matches list numbering at the start of a line ("1.", "2、",
// "(3)", "**4.**", "### 5.") and numbered parentheses anywhere ("(1)"):
// layout, not figures. A match followed by a digit ("1.5万元") is kept.
var enumeratorRE = regexp.MustCompile(`(?m)^[ \t]*(?:[#>*•-]+[ \t]*)*(?:\(\d{1,2}\)|\d{1,2}[.、)])|\(\d{1,2}\)`)

func stripEnumerators(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range enumeratorRE.FindAllStringIndex(s, -1) {
		if m[1] < len(s) && s[m[1]] >= '0' && s[m[1]] <= '9' {
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(strings.Repeat(" ", m[1]-m[0]))
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// figure is a number found in folded text. key is what an answer's figure
// must match; also are the further keys a passage's figure provides (a full
// date also provides its year, month and day; 50万元 also provides the bare
// numbers 50 and 500000).
type figure struct {
	raw        string
	start, end int // bytes of raw in the scanned text
	key        string
	also       []string
}

const (
	cnDigits  = `〇零一二两三四五六七八九壹贰叁肆伍陆柒捌玖`
	cnNumeral = `[` + cnDigits + `十拾百佰千仟万亿]+`
	cnSmall   = `[一二三四五六七八九十]{1,3}`
	// units after an Arabic number, longest first.
	arabicUnits = `美元|欧元|港元|日元|英镑|元|%|‰|平方公里|平方千米|平方米|平米|m²|㎡|亩|公顷|个工作日|工作日|个月|年|月|日|号|天|周|小时|倍|` +
		`人次|家|人|名|项|个|台|套|次|户|吨|千瓦时|千瓦|兆瓦|度|岁|分|件|条|款|章|节|段|批|届|层|米|` +
		`\s?(?:percent|per cent|yuan|rmb|cny|usd|us dollars?|dollars?|square met(?:er|re)s?|sq\.? ?m|sqm|months?|years?|days?|weeks?|hours?|times)\b`
	// units after Chinese numerals: only those of amounts and durations,
	// so that ordinary words (一家, 一个, 一次性) are not read as figures.
	chineseUnits = `美元|欧元|港元|元|平方公里|平方米|平米|亩|公顷|个工作日|工作日|个月|年|天|日|周|倍`
)

var figureRE = regexp.MustCompile(strings.Join([]string{
	// 1: a date: 2027年12月31日, 2025年3月 (day optional), 二〇二五年三月一日
	`(?P<y>\d{4}|[〇零一二三四五六七八九]{4})\s*年\s*(?P<m>\d{1,2}|` + cnSmall + `)\s*月(?:\s*(?P<d>\d{1,2}|` + cnSmall + `)\s*[日号])?`,
	// 2: an ISO-like date: 2027-12-31, 2027/12/31, 2027.12.31
	`(?P<iy>\d{4})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})`,
	// 3: a month and day: 3月1日
	`(?P<mm>\d{1,2}|` + cnSmall + `)\s*月\s*(?P<md>\d{1,2}|` + cnSmall + `)\s*[日号]`,
	// 4: 百分之十二, 百分之12.5
	`百分之(?P<pct>[` + cnDigits + `十拾百点]+|\d+(?:\.\d+)?)`,
	// 5: an ordinal: 第二款, 第十条
	`第(?P<ord>` + cnNumeral + `)(?P<ordunit>条|款|项|章|节|段)`,
	// 6: an Arabic number, with an optional currency before it and a magnitude and unit after it
	`(?P<cur>rmb|cny|¥|us\$|usd|\$)?\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<mag>(?:[百千万亿]|\s?(?:thousand|million|billion)\b)*)\s?(?P<unit>` + arabicUnits + `)?`,
	// 7: Chinese numerals followed by a unit: 五十万元, 三个月
	`(?P<cn>` + cnNumeral + `)(?P<cnunit>` + chineseUnits + `)`,
	// 8: Chinese numerals with a magnitude, whatever follows: 五百万, 一百万块,
	// 十万余元, 五成 — an amount a model may write without a listed unit.
	`(?P<cnbare>[` + cnDigits + `]*[十拾百佰千仟万亿][` + cnDigits + `十拾百佰千仟万亿]*|[` + cnDigits + `]+成)(?P<cnbareunit>人民币|块钱|块|余元)?`,
}, "|"))

var figureGroup = func() map[string]int {
	g := make(map[string]int)
	for i, name := range figureRE.SubexpNames() {
		if name != "" {
			g[name] = i
		}
	}
	return g
}()

// scanFigures returns the figures of folded text s, left to right.
func scanFigures(s string) []figure {
	var out []figure
	for _, m := range figureRE.FindAllStringSubmatchIndex(s, -1) {
		get := func(name string) string {
			i := figureGroup[name]
			if m[2*i] < 0 {
				return ""
			}
			return s[m[2*i]:m[2*i+1]]
		}
		raw := strings.TrimSpace(s[m[0]:m[1]])
		n := len(out)
		switch {
		case get("y") != "":
			out = append(out, dateFigure(raw, get("y"), get("m"), get("d")))
		case get("iy") != "":
			out = append(out, dateFigure(raw, get("iy"), get("im"), get("id")))
		case get("mm") != "":
			out = append(out, dateFigure(raw, "", get("mm"), get("md")))
		case get("pct") != "":
			v, ok := parseAnyNumber(get("pct"))
			if !ok {
				continue
			}
			out = append(out, figure{raw: raw, key: "%:" + formatValue(v), also: []string{"n:" + formatValue(v)}})
		case get("ord") != "":
			v, ok := parseChinese(get("ord"))
			if !ok {
				continue
			}
			out = append(out, figure{raw: raw, key: get("ordunit") + ":" + formatValue(v), also: []string{"n:" + formatValue(v)}})
		case get("num") != "":
			v, err := strconv.ParseFloat(strings.ReplaceAll(get("num"), ",", ""), 64)
			if err != nil {
				continue
			}
			out = append(out, amountFigure(raw, v, magnitude(get("mag")), currencyUnit(get("cur"), get("unit"))))
		case get("cn") != "":
			v, ok := parseChinese(get("cn"))
			if !ok {
				continue
			}
			out = append(out, amountFigure(raw, v, 1, canonicalUnit(get("cnunit"))))
		case get("cnbare") != "":
			cn := get("cnbare")
			if tenths, ok := strings.CutSuffix(cn, "成"); ok { // 五成 = 50%
				v, ok := parseChinese(tenths)
				if !ok {
					continue
				}
				out = append(out, figure{raw: raw, key: "%:" + formatValue(v*10), also: []string{"n:" + formatValue(v*10)}})
				break
			}
			v, ok := parseChinese(cn)
			if !ok {
				continue
			}
			unit := ""
			if get("cnbareunit") != "" {
				unit = "元"
			}
			out = append(out, amountFigure(raw, v, 1, unit))
		}
		if len(out) > n {
			out[n].start, out[n].end = m[0], m[1]
		}
	}
	return out
}

func amountFigure(raw string, v, mag float64, unit string) figure {
	scaled := formatValue(v * mag)
	f := figure{raw: raw, key: "n:" + scaled, also: []string{"n:" + formatValue(v)}}
	if unit != "" {
		f.key = unit + ":" + scaled
		f.also = append(f.also, "n:"+scaled)
	}
	return f
}

// dateFigure is the figure of a date. Something shaped like a date that is
// not one (2000-20-30) must then appear as written.
func dateFigure(raw, y, m, d string) figure {
	yv, mv, dv := 0.0, 0.0, 0.0
	ok := true
	if y != "" {
		yv, ok = parseAnyNumber(y)
	}
	if ok {
		mv, ok = parseAnyNumber(m)
		ok = ok && mv >= 1 && mv <= 12
	}
	if ok && d != "" {
		dv, ok = parseAnyNumber(d)
		ok = ok && dv >= 1 && dv <= 31
	}
	if !ok {
		return figure{raw: raw, key: "text:" + raw}
	}
	Y, M, D := formatValue(yv), formatValue(mv), formatValue(dv)
	f := figure{raw: raw, also: []string{"月:" + M, "n:" + M}}
	if y != "" {
		f.also = append(f.also, "年:"+Y, "n:"+Y)
	}
	if d != "" {
		f.also = append(f.also, "日:"+D, "n:"+D, "md:"+M+"-"+D)
	}
	switch {
	case y != "" && d != "":
		f.key = "date:" + Y + "-" + M + "-" + D
		f.also = append(f.also, "ym:"+Y+"-"+M)
	case y != "":
		f.key = "ym:" + Y + "-" + M
	default:
		f.key = "md:" + M + "-" + D
	}
	return f
}

func magnitude(s string) float64 {
	m := 1.0
	for _, w := range strings.Fields(strings.NewReplacer("百", " 百 ", "千", " 千 ", "万", " 万 ", "亿", " 亿 ").Replace(s)) {
		switch w {
		case "百":
			m *= 100
		case "千", "thousand":
			m *= 1e3
		case "万":
			m *= 1e4
		case "亿":
			m *= 1e8
		case "million":
			m *= 1e6
		case "billion":
			m *= 1e9
		}
	}
	return m
}

// currencyUnit is the unit of an Arabic amount: a currency written before
// the number wins over the unit after it.
func currencyUnit(cur, unit string) string {
	switch cur {
	case "rmb", "cny", "¥":
		return "元"
	case "us$", "usd", "$":
		return "美元"
	}
	return canonicalUnit(unit)
}

// canonicalUnit maps the ways a unit is written to one name: 平米 and
// square metres are 平方米, 天 and days are 日.
func canonicalUnit(u string) string {
	u = strings.TrimSpace(u)
	switch u {
	case "yuan", "rmb", "cny":
		return "元"
	case "usd", "us dollar", "us dollars", "dollar", "dollars":
		return "美元"
	case "percent", "per cent":
		return "%"
	case "平米", "m²", "㎡", "square meter", "square meters", "square metre", "square metres", "sqm", "sq m", "sq.m", "sq. m", "sq.m.":
		return "平方米"
	case "平方千米":
		return "平方公里"
	case "months", "month":
		return "个月"
	case "years", "year":
		return "年"
	case "天", "days", "day":
		return "日"
	case "号":
		return "日"
	case "weeks", "week":
		return "周"
	case "hours", "hour":
		return "小时"
	case "个工作日":
		return "工作日"
	case "times":
		return "倍"
	}
	return u
}

// formatValue writes v so that equal values have equal keys (1.50 and 1.5).
func formatValue(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64)
}

// parseAnyNumber reads Arabic digits or Chinese numerals.
func parseAnyNumber(s string) (float64, bool) {
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return v, true
	}
	return parseChinese(s)
}

var cnDigitValue = map[rune]float64{
	'〇': 0, '零': 0, '一': 1, '壹': 1, '二': 2, '贰': 2, '两': 2, '三': 3, '叁': 3, '四': 4, '肆': 4,
	'五': 5, '伍': 5, '六': 6, '陆': 6, '七': 7, '柒': 7, '八': 8, '捌': 8, '九': 9, '玖': 9,
}

var cnSmallUnit = map[rune]float64{'十': 10, '拾': 10, '百': 100, '佰': 100, '千': 1000, '仟': 1000}

// parseChinese reads a Chinese numeral: 五十万 = 500000, 一千五百万 =
// 15000000, 十二 = 12, 一百零五 = 105, 一百五 = 150, 二〇二五 = 2025 (digits
// only are read digit by digit), 百分之十二点五's 十二点五 = 12.5. It rejects
// a lone magnitude (万, 亿), which is a unit, not a number.
func parseChinese(s string) (float64, bool) {
	if whole, frac, ok := strings.Cut(s, "点"); ok {
		w, ok1 := parseChinese(whole)
		if !ok1 {
			return 0, false
		}
		f, scale := 0.0, 0.1
		for _, r := range frac {
			d, isDigit := cnDigitValue[r]
			if !isDigit {
				return 0, false
			}
			f += d * scale
			scale /= 10
		}
		return w + f, true
	}
	rs := []rune(s)
	if len(rs) == 0 {
		return 0, false
	}
	allDigits := true
	for _, r := range rs {
		if _, ok := cnDigitValue[r]; !ok {
			allDigits = false
		}
	}
	if allDigits {
		v := 0.0
		for _, r := range rs {
			v = v*10 + cnDigitValue[r]
		}
		return v, true
	}
	var total, section, num, lastUnit float64
	digits, afterUnit, zero := false, false, false
	for _, r := range rs {
		if d, ok := cnDigitValue[r]; ok {
			num, digits, afterUnit = d, true, false
			zero = zero || d == 0
			continue
		}
		if u, ok := cnSmallUnit[r]; ok {
			if num == 0 && !zero {
				num = 1 // 十二 = 一十二, 百元 = 一百元
			}
			digits = true
			section += num * u
			num, lastUnit, afterUnit, zero = 0, u, true, false
			continue
		}
		switch r {
		case '万':
			total += (section + num) * 1e4
			lastUnit = 1e4
		case '亿':
			total = (total + section + num) * 1e8
			lastUnit = 1e8
		default:
			return 0, false
		}
		section, num, afterUnit, zero = 0, 0, true, false
	}
	if !digits {
		return 0, false
	}
	if !afterUnit && !zero && num > 0 && lastUnit >= 100 {
		num *= lastUnit / 10 // 一百五 = 150, 一万五 = 15000
	}
	return total + section + num, true
}
