package amount

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"policybot/policies/norm"
)

// Scan returns the figures of s, left to right: amounts of money, rates,
// quantities with their units, dates, ordinals and bare numbers. It reads
// Arabic digits (1,300.5), Chinese numerals (一千零五十, 二〇二五, 十二点五,
// 两, 壹贰叁), mixtures (2千万, 1.2亿, 3千5百万), magnitudes written with
// 个/多/来/余 (一个亿, 一个多亿, 2700来万, 十来万), vague amounts (几十万,
// 上亿), w/k/m (800w, 500k, $5m), English number words (fifty million
// yuan, half a million, a million) and fractions (½亿). Offsets and Text
// are those of s as given; s need not be folded. Scan never panics.
func Scan(s string) []Amount {
	rs := []rune(norm.Fold(s))
	offs := make([]int, 0, len(rs)+1)
	for i := range s {
		offs = append(offs, i)
	}
	offs = append(offs, len(s))
	if len(offs) != len(rs)+1 {
		// norm.Fold keeps the rune count; s with invalid UTF-8 may not.
		rs = []rune(s)
		offs = offs[:0]
		for i := range s {
			offs = append(offs, i)
		}
		offs = append(offs, len(s))
	}
	sc := scanner{r: rs}
	var out []Amount
	for i := 0; i < len(rs); {
		a, start, end, ok := sc.at(i)
		if !ok {
			i++
			continue
		}
		a.Start, a.End = offs[start], offs[end]
		a.Text = s[a.Start:a.End]
		out = append(out, a)
		i = end
	}
	return out
}

type scanner struct{ r []rune }

func (sc *scanner) has(i int, s string) bool {
	for _, c := range s {
		if i >= len(sc.r) || sc.r[i] != c {
			return false
		}
		i++
	}
	return true
}

// hasAny returns the length in runes of the first of words found at i.
func (sc *scanner) hasAny(i int, words []string) int {
	for _, w := range words {
		if sc.has(i, w) {
			return utf8.RuneCountInString(w)
		}
	}
	return 0
}

func (sc *scanner) rune(i int) rune {
	if i < 0 || i >= len(sc.r) {
		return 0
	}
	return sc.r[i]
}

func isASCIILetter(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }
func isDigit(r rune) bool       { return '0' <= r && r <= '9' }

// at tries to read a figure starting at rune i. It returns the figure and
// its rune span [start, end), start ≤ i only when a marker such as 约 or a
// currency sign was read before the number.
func (sc *scanner) at(i int) (Amount, int, int, bool) {
	r := sc.rune(i)
	if a, n, ok := sc.multiplier(i); ok {
		return a, i, i + n, true
	}
	switch {
	case isDigit(r) || isCNNumeral(r) || r == '几' || r == '数' || r == '半' || isFraction(r) || isEnclosedNumber(r):
	case r == '第' || r == '百' && sc.has(i, "百分之"):
	case r == '¥' || r == '$' || r == '€' || r == '£' || isASCIILetter(r):
	case r == '上' || r == '近' || r == '约' || r == '过' || r == '破' || r == '超' || r == '大' || r == '差':
	default:
		return Amount{}, 0, 0, false
	}
	if isASCIILetter(r) {
		if isASCIILetter(sc.rune(i-1)) || isDigit(sc.rune(i-1)) {
			return Amount{}, 0, 0, false // inside a word
		}
		return sc.english(i)
	}
	if isDigit(r) && (isASCIILetter(sc.rune(i-1)) || isDigit(sc.rune(i-1)) || sc.rune(i-1) == '.') {
		return Amount{}, 0, 0, false // inside a word or a number already read
	}
	if r == '第' {
		return sc.ordinal(i)
	}
	if a, end, ok := sc.date(i); ok {
		return a, i, end, true
	}
	return sc.amount(i)
}

// multipliers are the words that state a figure without a numeral: a
// multiple (翻倍 = 2倍) or a share (一半 = 50%).
var multipliers = []struct {
	word string
	a    Amount
}{
	{"翻两番", Amount{Kind: Quantity, Value: 4, Unit: "倍"}},
	{"翻一番", Amount{Kind: Quantity, Value: 2, Unit: "倍"}},
	{"翻番", Amount{Kind: Quantity, Value: 2, Unit: "倍"}},
	{"翻倍", Amount{Kind: Quantity, Value: 2, Unit: "倍"}},
	{"双倍", Amount{Kind: Quantity, Value: 2, Unit: "倍"}},
	{"加倍", Amount{Kind: Quantity, Value: 2, Unit: "倍"}},
	{"一半", Amount{Kind: Percent, Value: 50, Unit: "%"}},
	{"减半", Amount{Kind: Percent, Value: 50, Unit: "%"}},
	{"半价", Amount{Kind: Percent, Value: 50, Unit: "%"}},
	{"对半", Amount{Kind: Percent, Value: 50, Unit: "%"}},
}

// multiplier reads a word of multipliers at i.
func (sc *scanner) multiplier(i int) (Amount, int, bool) {
	if !strings.ContainsRune("翻双加一减半对", sc.rune(i)) {
		return Amount{}, 0, false
	}
	for _, m := range multipliers {
		if sc.has(i, m.word) {
			return m.a, utf8.RuneCountInString(m.word), true
		}
	}
	return Amount{}, 0, false
}

// ordinal reads 第N条 and its kin.
func (sc *scanner) ordinal(i int) (Amount, int, int, bool) {
	j := i + 1
	k := j
	for k < len(sc.r) && (isDigit(sc.r[k]) || isCNNumeral(sc.r[k])) {
		k++
	}
	if k == j || k >= len(sc.r) || !strings.ContainsRune("条款项章节段批届次名", sc.r[k]) {
		return Amount{}, 0, 0, false
	}
	v, ok := Number(string(sc.r[j:k]))
	if !ok {
		return Amount{}, 0, 0, false
	}
	return Amount{Kind: Ordinal, Value: v, Unit: string(sc.r[k])}, i, k + 1, true
}

// date reads 2027年12月31日, 2027年12月, 2028年, 二〇二五年三月一日, 2027-12-31,
// 2027/12/31, 2027.12.31, 3月1日, 6月底 (month only).
func (sc *scanner) date(i int) (Amount, int, bool) {
	// ISO-like.
	if y, j, ok := sc.digits(i, 4, 4); ok && (sc.rune(j) == '-' || sc.rune(j) == '/' || sc.rune(j) == '.') {
		sep := sc.rune(j)
		if m, k, ok := sc.digits(j+1, 1, 2); ok && sc.rune(k) == sep {
			if d, l, ok := sc.digits(k+1, 1, 2); ok && !isDigit(sc.rune(l)) && validDate(y, m, d) {
				return Amount{Kind: Date, Year: y, Month: m, Day: d}, l, true
			}
		}
	}
	year, j := 0, i
	if y, k, ok := sc.yearNumber(i); ok && sc.rune(k) == '年' && !sc.has(k, "年度营") {
		year, j = y, k+1
		if sc.rune(j) == '度' {
			j++
		}
	}
	m, k, ok := sc.smallNumber(j)
	if ok && m >= 1 && m <= 12 && sc.rune(k) == '月' && !sc.has(k-1, "个月") {
		end := k + 1
		d, l, ok := sc.smallNumber(end)
		if ok && d >= 1 && d <= 31 && (sc.rune(l) == '日' || sc.rune(l) == '号') {
			return Amount{Kind: Date, Year: year, Month: m, Day: d}, l + 1, true
		}
		if n := sc.hasAny(end, []string{"底", "初", "中旬", "上旬", "下旬", "中", "份"}); n > 0 {
			end += n
		}
		return Amount{Kind: Date, Year: year, Month: m}, end, true
	}
	if year > 0 {
		return Amount{Kind: Date, Year: year}, j, true
	}
	return Amount{}, 0, false
}

func validDate(y, m, d int) bool {
	return y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= 31
}

// digits reads between min and max ASCII digits at i (no more digits after).
func (sc *scanner) digits(i, min, max int) (int, int, bool) {
	j := i
	for j < len(sc.r) && isDigit(sc.r[j]) && j-i < max {
		j++
	}
	if j-i < min || isDigit(sc.rune(j)) {
		return 0, i, false
	}
	v, err := strconv.Atoi(string(sc.r[i:j]))
	return v, j, err == nil
}

// yearNumber reads a four-digit year in Arabic or Chinese digits (二〇二五).
func (sc *scanner) yearNumber(i int) (int, int, bool) {
	if y, j, ok := sc.digits(i, 4, 4); ok {
		return y, j, y >= 1900 && y <= 2200
	}
	if i+4 <= len(sc.r) && !isCNDigit(sc.rune(i-1)) {
		v := 0
		for _, r := range sc.r[i : i+4] {
			d, ok := cnDigit[r]
			if !ok {
				return 0, i, false
			}
			v = v*10 + int(d)
		}
		if !isCNDigit(sc.rune(i+4)) && v >= 1900 && v <= 2200 {
			return v, i + 4, true
		}
	}
	return 0, i, false
}

// smallNumber reads 1–2 Arabic digits or a Chinese numeral up to 三十一.
func (sc *scanner) smallNumber(i int) (int, int, bool) {
	if v, j, ok := sc.digits(i, 1, 2); ok {
		return v, j, true
	}
	j := i
	for j < len(sc.r) && j-i < 3 && strings.ContainsRune("一二三四五六七八九十两", sc.r[j]) {
		j++
	}
	if j == i {
		return 0, i, false
	}
	v, ok := Number(string(sc.r[i:j]))
	return int(v), j, ok && v == float64(int(v))
}

func isCNDigit(r rune) bool { _, ok := cnDigit[r]; return ok }

var cnDigit = map[rune]float64{
	'零': 0, '〇': 0, '○': 0, '一': 1, '壹': 1, '幺': 1, '二': 2, '贰': 2, '两': 2, '俩': 2, '三': 3, '叁': 3,
	'四': 4, '肆': 4, '五': 5, '伍': 5, '六': 6, '陆': 6, '七': 7, '柒': 7, '八': 8, '捌': 8, '九': 9, '玖': 9,
}

var cnSmallUnit = map[rune]float64{'十': 10, '拾': 10, '百': 100, '佰': 100, '千': 1000, '仟': 1000}

func isCNNumeral(r rune) bool {
	if d, ok := cnDigit[r]; ok && d >= 0 {
		return true
	}
	return cnSmallUnit[r] > 0 || r == '万' || r == '亿'
}

func isFraction(r rune) bool { _, ok := fractions[r]; return ok }

var fractions = map[rune]float64{'½': 0.5, '¼': 0.25, '¾': 0.75, '⅓': 1.0 / 3, '⅔': 2.0 / 3, '⅕': 0.2, '⅒': 0.1}

// isEnclosedNumber reports the two-digit circled numbers (⑩ …⑳), which
// norm.Fold cannot turn into digits rune for rune.
func isEnclosedNumber(r rune) bool { return r >= 0x2469 && r <= 0x2473 }

// Units after a number, longest first, with their canonical name and kind.
type unitWord struct {
	in, out string
	kind    Kind
}

var unitWords = func() []unitWord {
	money := map[string]string{
		"元人民币": "元", "元": "元", "块钱": "元", "块": "元", "人民币": "元", "圆": "元",
		"美元": "美元", "美金": "美元", "美刀": "美元", "刀": "美元",
		"欧元": "欧元", "港元": "港元", "港币": "港元", "日元": "日元", "英镑": "英镑",
	}
	qty := map[string]string{
		"平方米": "平方米", "平方公里": "平方公里", "平米": "平方米", "平方": "平方米", "平": "平方米", "㎡": "平方米", "m²": "平方米",
		"亩": "亩", "公顷": "公顷", "张": "张", "人次": "人次", "个人次": "人次", "人": "人", "名": "人", "位": "人",
		"家": "家", "个月": "个月", "个工作日": "工作日", "工作日": "工作日", "年": "年", "天": "天", "周": "周",
		"个星期": "周", "星期": "周", "小时": "小时", "倍": "倍", "项": "项", "件": "件", "个": "个", "场": "场",
		"台": "台", "套": "套", "次": "次", "户": "户", "批": "批", "届": "届", "间": "间", "栋": "栋", "吨": "吨",
		"千瓦时": "千瓦时", "千瓦": "千瓦", "兆瓦": "兆瓦", "岁": "岁",
	}
	var out []unitWord
	for k, v := range money {
		out = append(out, unitWord{k, v, Money})
	}
	for k, v := range qty {
		out = append(out, unitWord{k, v, Quantity})
	}
	out = append(out, unitWord{"%", "%", Percent}, unitWord{"‰", "‰", Percent}, unitWord{"个百分点", "%", Percent})
	sortLongestFirst(out)
	return out
}()

func sortLongestFirst(ws []unitWord) {
	for i := 1; i < len(ws); i++ {
		for j := i; j > 0 && (utf8.RuneCountInString(ws[j].in) > utf8.RuneCountInString(ws[j-1].in) ||
			utf8.RuneCountInString(ws[j].in) == utf8.RuneCountInString(ws[j-1].in) && ws[j].in < ws[j-1].in); j-- {
			ws[j], ws[j-1] = ws[j-1], ws[j]
		}
	}
}

// English units after a number (after white space or directly), longest first.
var englishUnits = []unitWord{
	{"square metres", "平方米", Quantity}, {"square meters", "平方米", Quantity}, {"square metre", "平方米", Quantity},
	{"square meter", "平方米", Quantity}, {"sq. m", "平方米", Quantity}, {"sq m", "平方米", Quantity}, {"sqm", "平方米", Quantity},
	{"us dollars", "美元", Money}, {"us dollar", "美元", Money}, {"dollars", "美元", Money}, {"dollar", "美元", Money},
	{"usd", "美元", Money}, {"yuan", "元", Money}, {"rmb", "元", Money}, {"cny", "元", Money}, {"renminbi", "元", Money},
	{"euros", "欧元", Money}, {"euro", "欧元", Money}, {"eur", "欧元", Money}, {"hkd", "港元", Money},
	{"per cent", "%", Percent}, {"percent", "%", Percent}, {"pct", "%", Percent},
	{"tickets", "张", Quantity}, {"ticket", "张", Quantity}, {"visitor-nights", "人次", Quantity},
	{"visitors", "人次", Quantity}, {"months", "个月", Quantity}, {"month", "个月", Quantity},
	{"years", "年", Quantity}, {"year", "年", Quantity}, {"days", "天", Quantity}, {"day", "天", Quantity},
	{"times", "倍", Quantity}, {"m2", "平方米", Quantity},
}

// Currency signs and codes written before a number.
var currencyPrefixes = []unitWord{
	{"us$", "美元", Money}, {"usd", "美元", Money}, {"rmb", "元", Money}, {"cny", "元", Money}, {"hk$", "港元", Money},
	{"hkd", "港元", Money}, {"eur", "欧元", Money}, {"¥", "元", Money}, {"$", "美元", Money}, {"€", "欧元", Money}, {"£", "英镑", Money},
}

// amount reads a number with its markers, magnitude and unit at i.
func (sc *scanner) amount(i int) (Amount, int, int, bool) {
	start := i
	var a Amount
	// Markers before the number.
	if n := sc.hasAny(i, []string{"大约", "大概", "差不多", "约", "近"}); n > 0 {
		if !sc.startsNumber(i + n) {
			return Amount{}, 0, 0, false
		}
		a.Approx = true
		i += n
	}
	implicitOne := false // 破百亿, 过亿, 上亿: a magnitude with no digit
	if n := sc.hasAny(i, []string{"上", "过", "破", "超"}); n > 0 {
		if !sc.startsMagnitudeOnly(i + n) {
			return Amount{}, 0, 0, false // 过2000万 is read from its digits
		}
		if sc.rune(i) == '上' {
			a.Vague = true
		}
		implicitOne = true
		i += n
		start = i
		if a.Vague {
			start = i - 1
		}
	}
	cur := ""
	if n, u := sc.currencyPrefix(i); n > 0 {
		if !sc.startsNumber(i+n) && !(sc.rune(i+n) == ' ' && sc.startsNumber(i+n+1)) {
			return Amount{}, 0, 0, false
		}
		cur = u
		i += n
		if sc.rune(i) == ' ' {
			i++
		}
	}
	if sc.has(i, "百分之") {
		v, end, approx, vague, ok := sc.numeral(i+3, false)
		if !ok {
			return Amount{}, 0, 0, false
		}
		a.Kind, a.Value, a.Unit = Percent, v, "%"
		a.Approx, a.Vague = a.Approx || approx, a.Vague || vague
		return a, start, end, true
	}
	v, end, approx, vague, ok := sc.numeral(i, implicitOne)
	if !ok {
		return Amount{}, 0, 0, false
	}
	a.Value, a.Approx, a.Vague = v, a.Approx || approx, a.Vague || vague
	// English magnitudes after an Arabic number: 800w, 500k, 5m, 1.3 million.
	if isDigit(sc.rune(end - 1)) {
		if m, n := sc.englishMagnitude(end, cur != ""); n > 0 {
			a.Value *= m
			end += n
		}
	}
	// Vague and approximate endings: 多, 余, 来 after the magnitude, 出头, 左右.
	if n := sc.hasAny(end, []string{"多", "余"}); n > 0 && (sc.rune(end-1) == '万' || sc.rune(end-1) == '亿' || sc.rune(end-1) == '千' || sc.rune(end-1) == '百' || sc.rune(end-1) == '十') {
		a.Approx = true
		end += n
	}
	if cur != "" {
		a.Kind, a.Unit = Money, cur
	} else if n, u := sc.unitAt(end); n > 0 {
		a.Kind, a.Unit = u.kind, u.out
		end += n
		if u.kind == Percent && u.in == "‰" {
			a.Value /= 10
			a.Unit = "%"
		}
	} else if n, k, u := sc.fractionWord(end); n > 0 {
		a.Kind, a.Unit = k, u
		a.Value *= 10
		end += n
	}
	if n := sc.hasAny(end, []string{"出头", "左右", "上下", "来"}); n > 0 && a.Kind != Date {
		if !(n == 1 && !(sc.rune(end) == '来' && (a.Kind == Money || a.Kind == Quantity))) {
			a.Approx = true
			end += n
		}
	}
	if !sc.isFigure(a, i, end, implicitOne) {
		return Amount{}, 0, 0, false
	}
	return a, start, end, true
}

// isFigure tells figures from words made of numerals: a magnitude alone
// (千万不要, 万一), a single Chinese digit without a measure (一般, 统一,
// 五星级) or with a classifier (一个, 两家, 三场, 一次性) is a word.
func (sc *scanner) isFigure(a Amount, i, end int, implicitOne bool) bool {
	num := sc.r[i:end]
	chineseOnly := true
	for _, r := range num {
		if isDigit(r) || isFraction(r) || isEnclosedNumber(r) {
			chineseOnly = false
		}
	}
	if !chineseOnly || a.Vague || implicitOne {
		return true
	}
	if allMagnitude(num) {
		return false
	}
	small := a.Value < 10 && !strings.ContainsAny(string(num), "十拾百佰千仟万亿")
	switch a.Kind {
	case Bare:
		return !small
	case Quantity:
		return !small || !strings.Contains("个家项次场位名件台套户批间栋", a.Unit) || a.Unit == ""
	}
	return true
}

// fractionWord reads 成 (three tenths: 三成 = 30%) and 折 (八折 = 80%) after a
// number of one or two digits.
func (sc *scanner) fractionWord(i int) (int, Kind, string) {
	if sc.rune(i) == '成' || sc.rune(i) == '折' {
		if sc.rune(i) == '成' && (sc.has(i, "成立") || sc.has(i, "成本") || sc.has(i, "成果") || sc.has(i, "成为") || sc.has(i, "成功") || sc.has(i, "成交")) {
			return 0, Bare, ""
		}
		return 1, Percent, "%"
	}
	return 0, Bare, ""
}

func allMagnitude(rs []rune) bool {
	for _, r := range rs {
		if !(r == '千' || r == '万' || r == '亿' || r == '百' || r == '仟' || r == '佰') {
			return false
		}
	}
	return len(rs) > 0
}

func (sc *scanner) startsNumber(i int) bool {
	r := sc.rune(i)
	return isDigit(r) || isCNNumeral(r) || r == '几' || r == '数' || r == '半' || isFraction(r) || isEnclosedNumber(r)
}

// startsMagnitudeOnly reports a magnitude with no digit before it: 百亿,
// 亿, 千万, 万 (after 破, 过, 上), ending in 万 or 亿.
func (sc *scanner) startsMagnitudeOnly(i int) bool {
	j := i
	for j < len(sc.r) && j-i < 3 && strings.ContainsRune("十百千万亿", sc.r[j]) {
		j++
	}
	return j > i && (sc.r[j-1] == '万' || sc.r[j-1] == '亿')
}

func (sc *scanner) currencyPrefix(i int) (int, string) {
	for _, p := range currencyPrefixes {
		if sc.has(i, p.in) {
			n := utf8.RuneCountInString(p.in)
			if isASCIILetter(sc.rune(i + n)) {
				continue
			}
			return n, p.out
		}
	}
	return 0, ""
}

func (sc *scanner) unitAt(i int) (int, unitWord) {
	for _, u := range unitWords {
		if sc.has(i, u.in) {
			n := utf8.RuneCountInString(u.in)
			if !sc.unitFits(i, n, u) {
				continue
			}
			return n, u
		}
	}
	j := i
	if sc.rune(j) == ' ' {
		j++
	}
	for _, u := range englishUnits {
		if sc.has(j, u.in) && !isASCIILetter(sc.rune(j+utf8.RuneCountInString(u.in))) {
			return j - i + utf8.RuneCountInString(u.in), u
		}
	}
	return 0, unitWord{}
}

// unitFits rejects a unit word that is the start of another word: 年 of
// 年度 after a count is still a year, but 个 of 个人 or 个税 is not 个, 平
// of 平台 is not 平方米, 人 of 人民 is not 人.
func (sc *scanner) unitFits(i, n int, u unitWord) bool {
	next := sc.rune(i + n)
	switch u.in {
	case "个":
		return !strings.ContainsRune("人税体性别案", next)
	case "人":
		return !strings.ContainsRune("民员才工口", next)
	case "平方":
		return next != '公' && next != '米'
	case "平":
		return !norm.IsHan(next) || strings.ContainsRune("的仓店房厂", next)
	case "刀":
		return false // 刀 alone is a knife more often than a dollar
	case "块":
		return !strings.ContainsRune("地", next)
	case "名":
		return !strings.ContainsRune("单称义字牌录额", next)
	case "次":
		return !strings.ContainsRune("要级性", next)
	case "场":
		return !strings.ContainsRune("地所馆景", next)
	case "间":
		return !strings.ContainsRune("接断", next)
	case "位":
		return !strings.ContainsRune("于置", next)
	case "家":
		return !strings.ContainsRune("级庭长", next)
	}
	return true
}

// englishMagnitude reads w (万), k, m/mn, bn, thousand, million, billion
// after an Arabic number. A bare "m" counts only after a currency (2000m
// is metres).
func (sc *scanner) englishMagnitude(i int, currency bool) (float64, int) {
	j := i
	if sc.rune(j) == ' ' {
		j++
	}
	for _, m := range []struct {
		w string
		v float64
	}{{"thousand", 1e3}, {"million", 1e6}, {"billion", 1e9}, {"mn", 1e6}, {"bn", 1e9}, {"k", 1e3}, {"w", 1e4}, {"m", 1e6}} {
		if !sc.has(j, m.w) {
			continue
		}
		n := utf8.RuneCountInString(m.w)
		if isASCIILetter(sc.rune(j + n)) {
			continue
		}
		if len(m.w) == 1 && j != i {
			continue // "5 k" is not 5000
		}
		if m.w == "m" && !currency {
			if u, _ := sc.unitAt(j + n); u == 0 {
				continue
			}
		}
		return m.v, j - i + n
	}
	return 1, 0
}

// numeral reads a number: Arabic digits with thousands separators and a
// decimal point, Chinese numerals, or a mixture, with the approximate
// markers 来/多/余 and 个 inside it (2700来万, 一个多亿) and 几/数 as vague
// digits (几十万). implicitOne lets a bare magnitude be a number (百亿 of
// 破百亿). It reports the end, the value, and whether it was approximate
// or vague.
func (sc *scanner) numeral(i int, implicitOne bool) (v float64, end int, approx, vague bool, ok bool) {
	var total, section, num float64
	lastUnit := 0.0
	haveNum, any, afterUnit := false, false, false
	zero, zeroAfterUnit := false, false
	j := i
	if r := sc.rune(j); isEnclosedNumber(r) {
		return float64(r-0x2469) + 10, j + 1, false, false, true
	}
loop:
	for j < len(sc.r) {
		r := sc.r[j]
		switch {
		case isDigit(r):
			k := j
			for k < len(sc.r) && (isDigit(sc.r[k]) ||
				sc.r[k] == '.' && k+1 < len(sc.r) && isDigit(sc.r[k+1]) && !strings.ContainsRune(string(sc.r[j:k]), '.') ||
				sc.r[k] == ',' && k+3 < len(sc.r) && isDigit(sc.r[k+1]) && isDigit(sc.r[k+2]) && isDigit(sc.r[k+3]) && !isDigit(sc.rune(k+4))) {
				k++
			}
			x, err := strconv.ParseFloat(strings.ReplaceAll(string(sc.r[j:k]), ",", ""), 64)
			if err != nil {
				break loop
			}
			if haveNum && !afterUnit {
				break loop
			}
			num, haveNum, any, afterUnit = x, true, true, false
			j = k
			if f, ok := fractions[sc.rune(j)]; ok { // 1½
				num += f
				j++
			}
			continue
		case isFraction(r):
			if haveNum && !afterUnit {
				break loop
			}
			num, haveNum, any, afterUnit = fractions[r], true, true, false
		case isCNDigit(r):
			d := cnDigit[r]
			if haveNum && !afterUnit && zeroAfterUnit {
				// 一百零三: the digit after 零 stands alone.
				num, zeroAfterUnit = d, false
				j++
				continue
			}
			if haveNum && !afterUnit {
				// 二〇二五: digits one by one.
				if !zero && num < 1e15 {
					num = num*10 + d
				}
				j++
				any = true
				continue
			}
			zeroAfterUnit = d == 0 && afterUnit
			num, haveNum, any, afterUnit = d, true, true, false
			zero = zero || d == 0
		case r == '几' || r == '数' && (cnSmallUnit[sc.rune(j+1)] > 0 || sc.rune(j+1) == '万' || sc.rune(j+1) == '亿'):
			if haveNum && !afterUnit {
				break loop
			}
			vague = true
			num, haveNum, any, afterUnit = 1, true, true, false
			if lastUnit > 0 && afterUnit == false && section > 0 {
				num = 0 // 十几 → 10+
			}
		case r == '半' && (sc.has(j+1, "个亿") || sc.has(j+1, "个万") || sc.has(j+1, "亿") || sc.has(j+1, "万")):
			num, haveNum, any, afterUnit = 0.5, true, true, false
		case cnSmallUnit[r] > 0:
			u := cnSmallUnit[r]
			if !haveNum && !zero {
				num = 1 // 十二 = 一十二
			}
			section += num * u
			num, haveNum, afterUnit, any, lastUnit = 0, false, true, true, u
		case r == '万' || r == '亿':
			if !any && !implicitOne {
				break loop
			}
			u := 1e4
			if r == '亿' {
				u = 1e8
			}
			if !any {
				num = 1
			}
			if u == 1e8 {
				total = (total + section + num) * u
			} else {
				total += (section + num) * u
			}
			section, num, haveNum, afterUnit, any, lastUnit = 0, 0, false, true, true, u
		case r == '点' && (isCNDigit(sc.rune(j + 1))) && haveNum:
			// 十二点五
			k := j + 1
			f, scale := 0.0, 0.1
			for k < len(sc.r) && isCNDigit(sc.r[k]) && cnDigit[sc.r[k]] >= 0 {
				f += cnDigit[sc.r[k]] * scale
				scale /= 10
				k++
			}
			num += f
			j = k
			continue
		case (r == '来' || r == '多' || r == '余') && any && (sc.rune(j+1) == '万' || sc.rune(j+1) == '亿' || sc.has(j+1, "个亿") || sc.has(j+1, "个万")):
			approx = true
		case r == '个' && any && (sc.has(j+1, "亿") || sc.has(j+1, "万") || sc.has(j+1, "多亿") || sc.has(j+1, "多万") || sc.has(j+1, "来亿")):
		default:
			break loop
		}
		j++
	}
	if !any {
		return 0, i, false, false, false
	}
	// Trailing separators or markers read ahead are not part of the number.
	for j > i && (sc.r[j-1] == ',' || sc.r[j-1] == '个' || sc.r[j-1] == '来' || sc.r[j-1] == '多' || sc.r[j-1] == '余') {
		j--
	}
	if haveNum && !afterUnit && !zero && lastUnit >= 100 && num > 0 && num < 10 && !isDigit(sc.r[j-1]) {
		num *= lastUnit / 10 // 一百五 = 150, 一万五 = 15000, 两亿五 = 2.5亿
	}
	return total + section + num, j, approx, vague, true
}

// english reads figures written with English words or a currency code
// first: "fifty million yuan", "half a million", "a million dollars",
// "RMB 1.3 million", "usd 5m", "seventy percent".
func (sc *scanner) english(i int) (Amount, int, int, bool) {
	if n, _ := sc.currencyPrefix(i); n > 0 {
		if a, _, end, ok := sc.amount(i); ok {
			return a, i, end, true
		}
	}
	words := sc.words(i, 8)
	v, used, ok := parseEnglishNumber(words)
	if !ok || used == 0 {
		return Amount{}, 0, 0, false
	}
	// end of the used words
	j := i
	for w := 0; w < used; w++ {
		for j < len(sc.r) && sc.r[j] == ' ' {
			j++
		}
		j += utf8.RuneCountInString(words[w])
	}
	a := Amount{Value: v}
	if n, u := sc.unitAt(j); n > 0 {
		a.Kind, a.Unit = u.kind, u.out
		j += n
	}
	if a.Kind == Bare && used == 1 && (words[0] == "a" || words[0] == "an" || words[0] == "one") {
		return Amount{}, 0, 0, false // an article, not a figure
	}
	return a, i, j, true
}

// words returns up to n lower-case words (letters and hyphens) from i.
func (sc *scanner) words(i, n int) []string {
	var out []string
	j := i
	for len(out) < n {
		k := j
		for k < len(sc.r) && sc.r[k] == ' ' {
			k++
		}
		l := k
		for l < len(sc.r) && (isASCIILetter(sc.r[l]) || sc.r[l] == '-') {
			l++
		}
		if l == k {
			break
		}
		out = append(out, strings.ToLower(string(sc.r[k:l])))
		j = l
	}
	return out
}

var englishSmall = map[string]float64{
	"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
	"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "a": 1, "an": 1,
}

var englishScale = map[string]float64{"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9}

// parseEnglishNumber reads number words from the start of ws: "fifty
// million", "twenty-five thousand", "half a million", "one and a half
// million", "a hundred". It returns the value and how many words it used.
func parseEnglishNumber(ws []string) (float64, int, bool) {
	var total, cur float64
	used := 0
	any := false
	half := false
	for k := 0; k < len(ws); k++ {
		w := ws[k]
		if w == "half" && !any && k+1 < len(ws) && (ws[k+1] == "a" || ws[k+1] == "an") {
			half = true
			used = k + 1
			continue
		}
		if w == "and" && any && k+3 < len(ws) && ws[k+1] == "a" && ws[k+2] == "half" {
			if s, ok := englishScale[ws[k+3]]; ok {
				total += (cur + 0.5) * s
				cur = 0
				used = k + 4
				return total, used, true
			}
		}
		if w == "and" && any {
			continue
		}
		if parts := strings.Split(w, "-"); len(parts) == 2 {
			a, ok1 := englishSmall[parts[0]]
			b, ok2 := englishSmall[parts[1]]
			if ok1 && ok2 && a >= 20 && b < 10 {
				cur += a + b
				any = true
				used = k + 1
				continue
			}
		}
		if v, ok := englishSmall[w]; ok {
			if (w == "a" || w == "an") && (k+1 >= len(ws) || englishScale[ws[k+1]] == 0) {
				break
			}
			cur += v
			any = true
			used = k + 1
			continue
		}
		if s, ok := englishScale[w]; ok && (any || half) {
			if !any {
				cur = 1
			}
			if s == 100 {
				cur *= 100
			} else {
				total += cur * s
				cur = 0
			}
			if half {
				total *= 0.5
				half = false
			}
			any = true
			used = k + 1
			continue
		}
		break
	}
	if !any {
		return 0, 0, false
	}
	return total + cur, used, true
}

// Number reads one numeral written in Arabic digits, Chinese numerals or
// a mixture (15, 十五, 一百零三, 二〇二五, 十二点五, 2千万, 1.2亿, 两个亿),
// the whole of s. It reports false for anything else, a magnitude alone
// (万) included.
func Number(s string) (float64, bool) {
	sc := scanner{r: []rune(norm.Fold(strings.TrimSpace(s)))}
	if len(sc.r) == 0 {
		return 0, false
	}
	v, end, _, vague, ok := sc.numeral(0, false)
	if !ok || vague || end != len(sc.r) || allMagnitude(sc.r) {
		return 0, false
	}
	return v, true
}
