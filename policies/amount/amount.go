// Package amount is the project's one reader of numerals, amounts and
// units: article numbers (第十五条), the figures of a policy clause (50万元,
// 12%, 2000平方米以上, 每张10元), the figures a company types (2700来万,
// 一个多亿, 1.2个亿, 800w, $5m, RMB 1.3 million) and the figures a language
// model writes (checked against the cited clause). Everything is read after
// norm.Fold, so full-width, traditional, circled and other digit forms read
// as their plain forms.
package amount

import (
	"math"
	"strconv"
	"strings"
)

// Kind says what an Amount is.
type Kind int

// The kinds of figure Scan finds.
const (
	// Bare is a bare number: no unit, or a unit that is not a measure
	// (五星级's 5, 3+2+N's 3).
	Bare Kind = iota
	// Money is an amount of a currency: Unit is 元, 美元, 欧元, 港元, 日元 or 英镑.
	Money
	// Percent is a rate: Value 12 for 12%, 百分之十二, 一成二 or 八八折's 88.
	Percent
	// Quantity is a count or measure with a unit other than money: 张,
	// 人次, 平方米, 亩, 个月, 年 (a duration), 家, 项, 倍 ….
	Quantity
	// Date is a calendar date or a part of one: Year, Month, Day (0 when
	// not given): 2027年12月31日, 2028年, 6月底, 2025-03-01.
	Date
	// Ordinal is 第N条, 第N款, 第N项, 第N章 …: Value is N, Unit the noun.
	Ordinal
)

var kindNames = [...]string{"bare", "money", "percent", "quantity", "date", "ordinal"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Amount is one figure found in a text.
type Amount struct {
	// Start and End are the byte offsets of the figure in the scanned text;
	// Text is the figure as written there.
	Start, End int
	Text       string
	Kind       Kind
	// Value is the figure in Unit with every magnitude applied: 500000 for
	// 50万元, 1.2e8 for 1.2亿美元, 12 for 12%, 2000 for 2000平方米.
	Value float64
	// Unit is the canonical unit (元, 美元, %, 平方米, 张, 人次, 个月 …), ""
	// for a bare number.
	Unit string
	// Approx is set for a figure written as approximate: 约, 大概, 左右,
	// 来 (2700来万), 多/余 (一万二千多), 出头, 近, about, around.
	Approx bool
	// Vague is set for a figure that is not a figure at all: 几十万, 十几万,
	// 数百万, 上亿. Value is then its lower bound.
	Vague bool
	// Year, Month and Day are the parts of a Date (0 when not given).
	Year, Month, Day int
}

// Is reports whether the amount is of kind k with unit u.
func (a Amount) Is(k Kind, u string) bool { return a.Kind == k && a.Unit == u }

// String writes the amount the way policy texts write it: 50万元, 1亿美元,
// 12%, 2000平方米, 1万张, 2027年12月31日, 第6条.
func (a Amount) String() string {
	switch a.Kind {
	case Date:
		var b strings.Builder
		if a.Year > 0 {
			b.WriteString(strconv.Itoa(a.Year) + "年")
		}
		if a.Month > 0 {
			b.WriteString(strconv.Itoa(a.Month) + "月")
		}
		if a.Day > 0 {
			b.WriteString(strconv.Itoa(a.Day) + "日")
		}
		return b.String()
	case Ordinal:
		return "第" + FormatNumber(a.Value) + a.Unit
	case Percent:
		return FormatNumber(a.Value) + "%"
	}
	return Format(a.Value, a.Unit)
}

// Format writes v in unit u as policy texts do: 亿 or 万 as the magnitude
// when v is at least 10,000 and divides into it with at most two decimals
// (500000, 元 → 50万元; 15000, 张 → 1.5万张), else the plain number
// (2000, 平方米 → 2000平方米).
func Format(v float64, u string) string {
	if u == "%" {
		return FormatNumber(v) + "%"
	}
	return formatMagnitude(v) + u
}

func formatMagnitude(v float64) string {
	switch {
	case math.Abs(v) >= 1e8 && isWhole(v/1e8*100):
		return FormatNumber(v/1e8) + "亿"
	case math.Abs(v) >= 1e4 && isWhole(v/1e4*100):
		return FormatNumber(v/1e4) + "万"
	}
	return FormatNumber(v)
}

// FormatNumber writes v with at most four decimals and no trailing zeros,
// so equal values are written alike (1.50 and 1.5).
func FormatNumber(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64)
}

// FormatEnglish writes v in unit u for an English reader, with the policy
// text's form after it: "500,000 yuan (50万元)", "12%", "10 million US
// dollars (1000万美元)", "2,000 square metres".
func FormatEnglish(v float64, u string) string {
	if u == "%" {
		return FormatNumber(v) + "%"
	}
	n := groupThousands(v)
	name, ok := englishUnit[u]
	if !ok {
		name = u
	}
	s := n
	if name != "" {
		s += " " + name
	}
	if cn := Format(v, u); math.Abs(v) >= 1e4 && cn != FormatNumber(v)+u {
		s += " (" + cn + ")"
	}
	return s
}

var englishUnit = map[string]string{
	"元": "yuan", "美元": "US dollars", "欧元": "euros", "港元": "Hong Kong dollars", "日元": "yen", "英镑": "pounds",
	"平方米": "square metres", "亩": "mu", "公顷": "hectares", "平方公里": "square kilometres",
	"张": "tickets", "人次": "visitor-nights", "人": "people", "家": "enterprises", "个月": "months",
	"年": "years", "天": "days", "日": "days", "周": "weeks", "小时": "hours", "工作日": "working days", "倍": "times",
	"项": "items", "件": "items", "个": "", "": "",
}

func groupThousands(v float64) string {
	s := FormatNumber(v)
	whole, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

func isWhole(x float64) bool { return math.Abs(x-math.Round(x)) < 1e-9 }
