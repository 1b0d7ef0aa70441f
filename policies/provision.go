package policies

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"policybot/policies/amount"
)

// ClauseKind says what a clause of an article does.
type ClauseKind string

// The kinds of clause the provisions parser recognises. A clause that fits
// none is Other and stays quotable text.
const (
	// ClauseBenefit grants money: a fixed amount, a rate of a base, an amount per
	// unit, a step reward or an amount up to a ceiling.
	ClauseBenefit ClauseKind = "benefit"
	// ClauseCondition states a requirement without granting anything itself
	// (首店面积须达到100平方米以上).
	ClauseCondition ClauseKind = "condition"
	// ClauseExclusion says who does not get the support (不享受本措施).
	ClauseExclusion ClauseKind = "exclusion"
	// ClauseStacking says how benefits combine (不重复享受, 就高不重复, 补足差额).
	ClauseStacking ClauseKind = "stacking"
	// ClauseProcedure says when and how to apply (每年集中申报一次, 活动结束后3个月内申报).
	ClauseProcedure ClauseKind = "procedure"
	// ClauseValidity gives the dates the measure is in force.
	ClauseValidity ClauseKind = "validity"
	// ClauseInterpretation names who interprets the measure.
	ClauseInterpretation ClauseKind = "interpretation"
	// ClauseFunding says where the money comes from.
	ClauseFunding ClauseKind = "funding"
	// ClauseScope says whom the measure applies to (本措施适用于…).
	ClauseScope ClauseKind = "scope"
	// ClausePurpose is the opening "为…，制定本措施".
	ClausePurpose ClauseKind = "purpose"
	// ClauseOther is text the parser does not structure.
	ClauseOther ClauseKind = "other"
)

// BenefitKind says how a benefit is computed.
type BenefitKind string

// The ways a benefit is computed.
const (
	// BenefitFixed is an amount (奖励50万元).
	BenefitFixed BenefitKind = "fixed"
	// BenefitRate is a share of a base (按投入额的12%给予补助), usually with a cap.
	BenefitRate BenefitKind = "rate"
	// BenefitPerUnit is an amount per unit (按每张10元, 每件资助3000元, 每亩800元).
	BenefitPerUnit BenefitKind = "per-unit"
	// BenefitStep is an amount per step of a base (每增加100万美元奖励1万元).
	BenefitStep BenefitKind = "step"
	// BenefitUpTo is an amount decided case by case up to a ceiling (给予最高200万元奖励).
	BenefitUpTo BenefitKind = "up-to"
	// BenefitSteps is a list of thresholds with their amounts (首次突破10亿元、50亿元、
	// 100亿元的，分别奖励50万元、100万元、200万元).
	BenefitSteps BenefitKind = "steps"
)

// Figure is an amount with its unit, as a clause states it.
type Figure struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// IsZero reports an unset figure.
func (f Figure) IsZero() bool { return f.Value == 0 && f.Unit == "" }

// String writes the figure as policy texts do (50万元, 12%).
func (f Figure) String() string { return amount.Format(f.Value, f.Unit) }

// Threshold is a condition on a quantity: 当年设备投资达到2000万元以上.
type Threshold struct {
	// Quantity is what is measured, as the clause names it (当年设备投资（不含土地、厂房）).
	Quantity string `json:"quantity"`
	// Op is ">=" (达到…以上, 不低于, 突破), ">" (超过) or "<" (the upper end
	// of a range in a table).
	Op    string `json:"op"`
	Value Figure `json:"value"`
	// First is set for 首次: only the first time the quantity passes it.
	First bool `json:"first,omitempty"`
}

// Met reports whether x (in the threshold's unit) meets the threshold.
func (t Threshold) Met(x float64) bool {
	switch t.Op {
	case ">":
		return x > t.Value.Value
	case "<":
		return x < t.Value.Value
	}
	return x >= t.Value.Value
}

// BenefitTerms are the figures of a benefit clause.
type BenefitTerms struct {
	Kind BenefitKind `json:"kind"`
	// Amount is the fixed amount, the amount per unit or step, or the ceiling
	// of an UpTo benefit.
	Amount Figure `json:"amount,omitzero"`
	// BenefitRate is the percentage of Base (12 for 12%).
	Rate float64 `json:"rate,omitempty"`
	// Base is what a rate or a per-unit amount applies to (投入额, 展位费, 张).
	Base string `json:"base,omitempty"`
	// Per is the size of one step of a Step benefit (100万美元).
	Per Figure `json:"per,omitzero"`
	// Cap is the ceiling (最高300万元) and CapScope what it applies to
	// (单个企业每年).
	Cap      Figure `json:"cap,omitzero"`
	CapScope string `json:"cap_scope,omitempty"`
	// Steps are the thresholds and amounts of a Steps benefit, in order.
	Steps []StepTerm `json:"steps,omitempty"`
}

// StepTerm is one threshold of a Steps benefit and its amount.
type StepTerm struct {
	Threshold Threshold `json:"threshold"`
	Amount    Figure    `json:"amount"`
}

// Clause is one clause of an article, as the provisions parser understood it.
type Clause struct {
	// Text is the clause as written; Start and End are its byte offsets in
	// the article text.
	Text       string        `json:"text"`
	Start      int           `json:"start"`
	End        int           `json:"end"`
	Kind       ClauseKind    `json:"kind"`
	Subject    string        `json:"subject,omitempty"`
	Tier       string        `json:"tier,omitempty"`
	Benefit    *BenefitTerms `json:"benefit,omitempty"`
	Thresholds []Threshold   `json:"thresholds,omitempty"`
	// Department is a department the clause itself names as handling it
	// (由区市场监管局受理).
	Department string `json:"department,omitempty"`
	// Lead is set for a lead-in that announces the clauses after it
	// (对智能制造示范给予奖励：): it is not an answer by itself.
	Lead bool `json:"lead,omitempty"`
}

// ParseProvisions splits an article into its clauses and reads what each
// says: who qualifies (the subject and its tier), the benefit, thresholds,
// exclusions, stacking rules, deadlines, departments. It works on the
// standard forms of Chinese measures (…的，奖励X万元; 按…的N%给予补助，最高…;
// 每张N元; 首次突破A、B、C的，分别奖励X、Y、Z; （一）（二） items) and never
// fails: what it cannot structure is an Other clause, still quotable.
func ParseProvisions(text string) []Clause {
	var out []Clause
	lastQuantity := ""
	var header []string // the header row of the table being read
	benefitCol := -1    // its column that holds the benefit
	for _, sp := range clauseSpans(text) {
		c := Clause{Text: text[sp[0]:sp[1]], Start: sp[0], End: sp[1]}
		if cells := tableCells(c.Text); cells != nil {
			if benefitCol < 0 || !readRow(&c, cells, header, benefitCol) {
				header, benefitCol = cells, headerColumn(cells)
				c.Kind = ClauseOther
			}
			out = append(out, c)
			continue
		}
		header, benefitCol = nil, -1
		readClause(&c)
		// "首次突破5亿美元的，奖励50万元" measures what the clause before it did.
		for i := range c.Thresholds {
			if c.Thresholds[i].Quantity == "" {
				c.Thresholds[i].Quantity = lastQuantity
			}
			lastQuantity = c.Thresholds[i].Quantity
		}
		out = append(out, c)
	}
	return out
}

// tableCells splits a table row ("综合型总部 | 母公司… | 1000万元", as
// ingest writes tables) into its cells; nil for a line that is not a row.
func tableCells(line string) []string {
	if strings.Count(line, " | ") < 1 {
		return nil
	}
	cells := strings.Split(line, " | ")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

var benefitHeaderRE = regexp.MustCompile(`奖励|补助|补贴|资助|标准|金额`)

// headerColumn returns the column of a header row that holds the benefit
// (落户奖励, 补助标准), or -1.
func headerColumn(cells []string) int {
	for i, c := range cells {
		if benefitHeaderRE.MatchString(c) && len(amount.Scan(c)) == 0 {
			return i
		}
	}
	return -1
}

// readRow reads a table row under a header whose column col holds the
// benefit: the first cell names who qualifies (or, as a range of the unit
// its header gives, "5000（含）—10000", the figure that does), the other
// cells' figures are conditions, a column headed 上限 or 最高 the cap. It
// reports false for a row that has no money in col.
func readRow(c *Clause, cells, header []string, col int) bool {
	if col >= len(cells) {
		return false
	}
	var money []amount.Amount
	for _, a := range amount.Scan(cells[col]) {
		if a.Kind == amount.Money {
			money = append(money, a)
		}
	}
	if len(money) == 0 {
		return false
	}
	b := &BenefitTerms{Kind: BenefitFixed, Amount: Figure{money[0].Value, money[0].Unit}}
	cell := cells[col]
	if perUnitRowRE.MatchString(cell) {
		b.Kind, b.Base = BenefitPerUnit, "平方米"
	}
	for _, a := range money[1:] {
		if capWordRE.MatchString(strings.TrimRight(cell[:a.Start], " ")) {
			b.Cap = Figure{a.Value, a.Unit}
		}
	}
	c.Kind, c.Benefit, c.Subject = ClauseBenefit, b, cells[0]
	c.Tier = TierOf(cells[0])
	for i, cell := range cells {
		if i == col || i >= len(header) {
			continue
		}
		if capHeaderRE.MatchString(header[i]) {
			if m := firstMoney(cell); m != nil {
				b.Cap = Figure{m.Value, m.Unit}
			}
			continue
		}
		if i == 0 {
			if ts := rangeThresholds(cell, header[0]); ts != nil {
				c.Thresholds = append(c.Thresholds, ts...)
				continue
			}
		}
		tmp := Clause{Text: cell}
		readThresholds(&tmp, amount.Scan(cell))
		c.Thresholds = append(c.Thresholds, tmp.Thresholds...)
	}
	return true
}

var (
	perUnitRowRE = regexp.MustCompile(`元/平方米|元/㎡|每平方米`)
	capHeaderRE  = regexp.MustCompile(`上限|最高|封顶`)
	rangeRE      = regexp.MustCompile(`^([0-9.]+)\s*(?:[（(]含[）)])?\s*(?:[—–\-~～至到]\s*([0-9.]+)\s*(?:[（(]含[）)])?|以上|及以上)`)
	headerUnitRE = regexp.MustCompile(`[（(]([^（）()]+)[）)]`)
)

func firstMoney(s string) *amount.Amount {
	for _, a := range amount.Scan(s) {
		if a.Kind == amount.Money {
			return &a
		}
	}
	return nil
}

// rangeThresholds reads a first cell that gives a range of its column's
// unit ("5000（含）—10000", "30000（含）以上" under "展览面积（平方米）") as
// the thresholds of the row: at least the low end, below the high end.
func rangeThresholds(cell, head string) []Threshold {
	m := rangeRE.FindStringSubmatch(cell)
	u := headerUnitRE.FindStringSubmatch(head)
	if m == nil || u == nil {
		return nil
	}
	unit := u[1]
	if unit == "㎡" || unit == "平米" {
		unit = "平方米"
	}
	quantity := strings.TrimSpace(headerUnitRE.ReplaceAllString(head, ""))
	lo, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return nil
	}
	out := []Threshold{{Quantity: quantity, Op: ">=", Value: Figure{lo, unit}}}
	if m[2] != "" {
		if hi, err := strconv.ParseFloat(m[2], 64); err == nil {
			out = append(out, Threshold{Quantity: quantity, Op: "<", Value: Figure{hi, unit}})
		}
	}
	return out
}

// clauseSpans cuts text after 。；; and line breaks, and before （一）-style
// items and 1.-style sub-items; a lead-in ending with ： is its own clause.
// Parentheses are respected: （不含土地、厂房） is never cut.
func clauseSpans(text string) [][2]int {
	var spans [][2]int
	start, depth := 0, 0
	emit := func(end int) {
		s, e := start, end
		for s < e {
			r, n := utf8.DecodeRuneInString(text[s:])
			if r != ' ' && r != '\n' && r != '\t' && r != '　' {
				break
			}
			s += n
		}
		for e > s {
			r, n := utf8.DecodeLastRuneInString(text[s:e])
			if r != ' ' && r != '\n' && r != '\t' && r != '　' {
				break
			}
			e -= n
		}
		if e > s {
			spans = append(spans, [2]int{s, e})
		}
		start = end
	}
	for i, r := range text {
		switch r {
		case '（', '(':
			if depth == 0 && i > start && itemLabelRE.MatchString(text[i:]) && precededByBreak(text[start:i]) {
				emit(i)
			}
			depth++
		case '）', ')':
			if depth > 0 {
				depth--
			}
		case '。', '；', ';', '\n':
			if depth == 0 {
				emit(i + utf8.RuneLen(r))
			}
		case '：':
			if depth == 0 && i+3 < len(text) {
				rest := strings.TrimLeft(text[i+3:], " \n")
				if itemLabelRE.MatchString(rest) || subItemRE.MatchString(rest) || leadInEndRE.MatchString(text[start:i]) {
					emit(i + 3)
				}
			}
		}
	}
	emit(len(text))
	return spans
}

// precededByBreak reports whether an item label starts a new clause: at the
// start, or after a sentence end, a colon or a line break.
func precededByBreak(before string) bool {
	t := strings.TrimRight(before, " 　")
	if t == "" {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(t)
	return strings.ContainsRune("。；;：:\n", r)
}

var (
	itemLabelRE = regexp.MustCompile(`^[（(][一二三四五六七八九十]+[）)]`)
	subItemRE   = regexp.MustCompile(`^[0-9]{1,2}[.．、]`)

	exclusionRE      = regexp.MustCompile(`不享受|不予(支持|资助|补助|奖励|兑付|受理)|不得申报|不再(另行)?(奖励|支持)|取消.{0,8}资格|不予年度`)
	stackingRE       = regexp.MustCompile(`不重复|就高|最高一项|补足差额|只能享受|不得重复|叠加|分类核定|合计不超过|累计不超过|不计入`)
	procedureRE      = regexp.MustCompile(`申报|申请|受理|提交|兑现|兑付|拨付|随用随兑|通知为准`)
	validityRE       = regexp.MustCompile(`起施行|起实施|有效期|施行之日|废止`)
	interpretationRE = regexp.MustCompile(`负责解释|解释权`)
	fundingRE        = regexp.MustCompile(`资金由.{0,20}列支|资金来源|列支`)
	scopeRE          = regexp.MustCompile(`适用于|适用范围|本措施所称|以下统称`)
	purposeRE        = regexp.MustCompile(`^为.{4,}(制定本|现制定|特制定)`)
	conditionRE      = regexp.MustCompile(`须|需|应当|应已|必须|方可|要求`)

	benefitVerbRE = regexp.MustCompile(`奖励|补助|资助|补贴|贴息|奖补|支持|兑付|给予`)
	capWordRE     = regexp.MustCompile(`(最高|上限|不超过|封顶|最多)(给予|补贴|补助|奖励|资助|支持|为)?$`)
	aboveRE       = regexp.MustCompile(`^(以上|及以上)`)
	compareRE     = regexp.MustCompile(`(首次突破|首次达到|首次超过|突破|达到|超过|不低于|不少于|满|在)$`)
	rateBaseRE    = regexp.MustCompile(`按(?:照)?(.{1,30}?)的$`)
	perUnitRE     = regexp.MustCompile(`每(?:个)?(张|人次|件|亩|平方米|家|人|个产品|台|套|项|场|户)[^，。；]{0,8}?$`)
	stepRE        = regexp.MustCompile(`每增加$`)
	respectiveRE  = regexp.MustCompile(`分别(奖励|给予|补助|资助)`)
	deptInClause  = regexp.MustCompile(`由(区[^，。；]{1,30}?)(受理|审核|负责受理|负责审核|办理)`)
	leadInRE      = regexp.MustCompile(`[:：]$`)
	leadInEndRE   = regexp.MustCompile(`(奖励|补助|资助|支持|补贴|如下|以下|标准|情形之一的)$`)
)

// tierWords are the levels, grades and ratings a subject may carry, in the
// canonical form used to compare a question's tier with a clause's.
var tierWords = []struct {
	re   *regexp.Regexp
	tier string
}{
	// Grades and ratings first: in 国家5A级 the grade is what tells the
	// clause from its siblings.
	{regexp.MustCompile(`5A`), "5A"},
	{regexp.MustCompile(`4A`), "4A"},
	{regexp.MustCompile(`3A`), "3A"},
	{regexp.MustCompile(`五星`), "五星级"},
	{regexp.MustCompile(`四星`), "四星级"},
	{regexp.MustCompile(`三星`), "三星级"},
	{regexp.MustCompile(`甲级`), "甲级"},
	{regexp.MustCompile(`乙级`), "乙级"},
	{regexp.MustCompile(`国际级|国际性`), "国际级"},
	{regexp.MustCompile(`国家级|国家(重点|高新|技术|知识|企业|智能|绿色)|中国质量奖|中华|中国内地|全国`), "国家级"},
	{regexp.MustCompile(`省级|江苏省|省长|江苏`), "省级"},
	{regexp.MustCompile(`市级|苏州市|市长`), "市级"},
	{regexp.MustCompile(`区级|区长`), "区级"},
	{regexp.MustCompile(`华东`), "华东"},
	// A numbered grade (CMMI 3级, 一级资质): the number tells the tier.
	{regexp.MustCompile(`[1-9]级|[一二三四五]级`), "级"},
}

// TierOf returns the canonical tier a text names (国家级, 省级, 5A, 四星级 …),
// or "".
func TierOf(s string) string {
	_, _, t := TierSpan(s)
	return t
}

// TierSpan returns where in s the tier TierOf reads is written (byte
// offsets) and the tier; -1, -1, "" when s names none. A numbered grade is
// its number: 3级 (三级 too).
func TierSpan(s string) (start, end int, tier string) {
	for _, t := range tierWords {
		if loc := t.re.FindStringIndex(s); loc != nil {
			if t.tier == "级" {
				n := strings.NewReplacer("一", "1", "二", "2", "三", "3", "四", "4", "五", "5").Replace(s[loc[0]:loc[1]])
				return loc[0], loc[1], n
			}
			return loc[0], loc[1], t.tier
		}
	}
	return -1, -1, ""
}

func readClause(c *Clause) {
	t := c.Text
	if m := deptInClause.FindStringSubmatch(t); m != nil {
		c.Department = m[1]
	}
	amts := amount.Scan(t)
	readBenefit(c, amts)
	readThresholds(c, amts)
	switch {
	case c.Benefit != nil:
		c.Kind = ClauseBenefit
	case exclusionRE.MatchString(t):
		c.Kind = ClauseExclusion
	case stackingRE.MatchString(t):
		c.Kind = ClauseStacking
	case validityRE.MatchString(t):
		c.Kind = ClauseValidity
	case interpretationRE.MatchString(t):
		c.Kind = ClauseInterpretation
	case fundingRE.MatchString(t):
		c.Kind = ClauseFunding
	case purposeRE.MatchString(t):
		c.Kind = ClausePurpose
	case scopeRE.MatchString(t):
		c.Kind = ClauseScope
	case procedureRE.MatchString(t):
		c.Kind = ClauseProcedure
	case len(c.Thresholds) > 0 || conditionRE.MatchString(t):
		c.Kind = ClauseCondition
	default:
		c.Kind = ClauseOther
	}
	if c.Kind == ClauseBenefit && exclusionRE.MatchString(t) && !strings.Contains(t, "的，") {
		c.Kind = ClauseExclusion
	}
	if leadInRE.MatchString(strings.TrimSpace(t)) {
		c.Lead = true
	}
	if c.Kind == ClauseBenefit || c.Kind == ClauseCondition {
		c.Subject = subjectOf(t)
		c.Tier = TierOf(c.Subject)
	}
}

// subjectOf returns the condition part of "…的，奖励…": who qualifies.
func subjectOf(t string) string {
	t = itemLabelRE.ReplaceAllString(strings.TrimSpace(t), "")
	i := strings.Index(t, "的，")
	if i < 0 {
		i = strings.Index(t, "的,")
	}
	if i < 0 {
		// 新认定为江苏老字号的奖励10万元, 举办国际级体育赛事的给予…
		if j := strings.LastIndex(t, "的"); j > 0 && benefitVerbRE.MatchString(t[j:]) {
			i = j
		}
	}
	if i < 0 {
		return ""
	}
	s := t[:i]
	// Drop a topic lead-in before the subject (农业产业化龙头企业。新认定为…).
	for _, sep := range []string{"。", "：", ":"} {
		if k := strings.LastIndex(s, sep); k >= 0 {
			s = s[k+len(sep):]
		}
	}
	s = strings.TrimPrefix(s, "对")
	return strings.TrimSpace(s)
}

// readBenefit reads the money a clause grants.
func readBenefit(c *Clause, amts []amount.Amount) {
	t := c.Text
	var money []amount.Amount
	for _, a := range amts {
		if a.Kind == amount.Money {
			money = append(money, a)
		}
	}
	if len(money) == 0 || !benefitVerbRE.MatchString(t) {
		return
	}
	b := &BenefitTerms{}
	isThreshold := func(a amount.Amount) bool {
		return aboveRE.MatchString(t[a.End:]) || compareRE.MatchString(strings.TrimRight(t[:a.Start], " ")) || strings.HasSuffix(t[:a.Start], "首次突破") ||
			respectiveThreshold(t, a)
	}
	// Steps: 首次突破A、B、C的，分别奖励X、Y、Z.
	if m := respectiveRE.FindStringIndex(t); m != nil {
		var before, after []amount.Amount
		for _, a := range money {
			if a.Start < m[0] {
				before = append(before, a)
			} else {
				after = append(after, a)
			}
		}
		if len(before) >= 2 && len(before) == len(after) {
			b.Kind = BenefitSteps
			q, op, first := thresholdWords(t, before[0])
			for k := range before {
				b.Steps = append(b.Steps, StepTerm{
					Threshold: Threshold{Quantity: q, Op: op, Value: Figure{before[k].Value, before[k].Unit}, First: first},
					Amount:    Figure{after[k].Value, after[k].Unit},
				})
			}
			c.Benefit = b
			return
		}
	}
	for _, a := range amts {
		before := strings.TrimRight(t[:a.Start], " ")
		switch {
		case a.Kind == amount.Percent && b.Kind == "":
			if m := rateBaseRE.FindStringSubmatch(before); m != nil {
				b.Kind, b.Rate, b.Base = BenefitRate, a.Value, strings.TrimSpace(m[1])
			}
		case a.Kind != amount.Money:
		case stepRE.MatchString(before):
			b.Per = Figure{a.Value, a.Unit}
		case !b.Per.IsZero() && b.Kind == "" && b.Amount.IsZero():
			b.Kind, b.Amount = BenefitStep, Figure{a.Value, a.Unit}
		case capWordRE.MatchString(before):
			if b.Kind == "" && !strings.Contains(t[a.End:], "%") && benefitVerbRE.MatchString(t[a.End:min(len(t), a.End+12)]) {
				// 给予最高200万元奖励: a ceiling, decided case by case.
				b.Kind, b.Amount = BenefitUpTo, Figure{a.Value, a.Unit}
				continue
			}
			if b.Cap.IsZero() {
				b.Cap = Figure{a.Value, a.Unit}
				b.CapScope = capScope(before)
			}
		case isThreshold(a):
		case b.Kind == "" || b.Kind == BenefitFixed && b.Amount.IsZero():
			if m := perUnitRE.FindStringSubmatch(before); m != nil {
				b.Kind, b.Amount, b.Base = BenefitPerUnit, Figure{a.Value, a.Unit}, m[1]
			} else {
				b.Kind, b.Amount = BenefitFixed, Figure{a.Value, a.Unit}
			}
		}
	}
	if b.Kind == "" {
		if b.Cap.IsZero() {
			return
		}
		// 最高100万元 alone after a rate in another clause: a ceiling.
		b.Kind, b.Amount, b.Cap = BenefitUpTo, b.Cap, Figure{}
	}
	c.Benefit = b
}

// respectiveThreshold reports an amount in the list before 分别 (首次突破10亿元、50亿元).
func respectiveThreshold(t string, a amount.Amount) bool {
	m := respectiveRE.FindStringIndex(t)
	return m != nil && a.Start < m[0] && strings.ContainsAny(t[:a.Start], "、突破达到超过")
}

// capScope returns what a cap applies to: the words before 最高 back to the
// previous comma (单个企业每年最高 → 单个企业每年).
func capScope(before string) string {
	s := capWordRE.ReplaceAllString(before, "")
	if k := strings.LastIndexAny(s, "，,；;。"); k >= 0 {
		s = s[k+len("，"):]
		if k+len("，") > len(before) {
			s = ""
		}
	}
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 12 {
		return ""
	}
	return s
}

// thresholdWords returns the quantity a threshold figure measures, its
// comparison and whether it is a first time (首次).
func thresholdWords(t string, a amount.Amount) (quantity, op string, first bool) {
	before := strings.TrimRight(t[:a.Start], " ")
	op = ">="
	if m := compareRE.FindStringSubmatch(before); m != nil {
		before = strings.TrimSuffix(before, m[1])
		// 超过 is strictly above; 突破 is read as reaching the figure, as
		// companies say it (营收破百亿 at 100亿).
		if strings.Contains(m[1], "超过") {
			op = ">"
		}
		first = strings.HasPrefix(m[1], "首次")
	}
	if strings.HasSuffix(before, "首次") {
		first = true
		before = strings.TrimSuffix(before, "首次")
	}
	// The quantity runs back to the previous comma or 的 outside parentheses.
	depth := 0
	cut := 0
	for i := len(before); i > 0; {
		r, n := utf8.DecodeLastRuneInString(before[:i])
		i -= n
		switch r {
		case '）', ')':
			depth++
		case '（', '(':
			depth--
		case '，', ',', '；', ':', '：', '。', '、':
			if depth == 0 {
				cut = i + n
				i = 0
			}
		}
	}
	quantity = strings.TrimSpace(before[cut:])
	quantity = strings.TrimPrefix(quantity, "年营业收入首次")
	return quantity, op, first
}

// readThresholds reads the conditions on quantities: 达到2000万元以上,
// 超过1亿元, 单仓面积达到2000平方米以上, 单场售票达到1万张以上.
func readThresholds(c *Clause, amts []amount.Amount) {
	t := c.Text
	for _, a := range amts {
		if a.Kind != amount.Money && a.Kind != amount.Quantity && a.Kind != amount.Percent {
			continue
		}
		before := strings.TrimRight(t[:a.Start], " ")
		above := aboveRE.MatchString(t[a.End:])
		cmp := compareRE.MatchString(before)
		if !above && !cmp {
			continue
		}
		if c.Benefit != nil && c.Benefit.Kind == BenefitSteps {
			continue // the steps hold their thresholds
		}
		q, op, first := thresholdWords(t, a)
		if strings.HasSuffix(before, "在") && !above {
			continue
		}
		c.Thresholds = append(c.Thresholds, Threshold{Quantity: q, Op: op, Value: Figure{a.Value, a.Unit}, First: first})
	}
}

// RenderProvisions writes what the provisions parser understood of every
// article of d, one clause a line under its label, with the clause as
// written: for officials checking a document before it is published
// (policybot check --provisions) and for golden files.
func RenderProvisions(d *Document) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s %s\n", d.ID, d.Title)
	for _, a := range d.Articles {
		fmt.Fprintf(&b, "\n%s", d.Label(a.Number))
		if a.Department != "" {
			fmt.Fprintf(&b, " (责任单位：%s)", a.Department)
		}
		b.WriteString("\n")
		for _, c := range ParseProvisions(a.Text) {
			fmt.Fprintf(&b, "  %s\n    「%s」\n", c.Summary(), c.Text)
		}
	}
	return b.String()
}

// Summary says in one line what the parser understood of the clause, for
// the admin preview and the golden tests: kind, tier, subject, benefit,
// thresholds and department.
func (c Clause) Summary() string {
	var b strings.Builder
	b.WriteString(string(c.Kind))
	if c.Lead {
		b.WriteString(" (lead-in)")
	}
	if c.Tier != "" {
		b.WriteString(" [" + c.Tier + "]")
	}
	if c.Subject != "" {
		b.WriteString(" 对象：" + c.Subject)
	}
	if bt := c.Benefit; bt != nil {
		b.WriteString(" → ")
		switch bt.Kind {
		case BenefitFixed:
			b.WriteString(bt.Amount.String())
		case BenefitUpTo:
			b.WriteString("最高" + bt.Amount.String())
		case BenefitRate:
			b.WriteString(bt.Base + "×" + amount.FormatNumber(bt.Rate) + "%")
		case BenefitPerUnit:
			b.WriteString("每" + bt.Base + bt.Amount.String())
		case BenefitStep:
			b.WriteString("每" + bt.Per.String() + "增量" + bt.Amount.String())
		case BenefitSteps:
			for i, s := range bt.Steps {
				if i > 0 {
					b.WriteString("；")
				}
				b.WriteString(s.Threshold.String() + " → " + s.Amount.String())
			}
		}
		if !bt.Cap.IsZero() {
			b.WriteString("，上限" + bt.Cap.String())
			if bt.CapScope != "" {
				b.WriteString("（" + bt.CapScope + "）")
			}
		}
	}
	for _, t := range c.Thresholds {
		b.WriteString(" 条件：" + t.String())
	}
	if c.Department != "" {
		b.WriteString(" 部门：" + c.Department)
	}
	return b.String()
}

var kindNames = map[ClauseKind]string{
	ClauseBenefit: "奖补", ClauseCondition: "条件", ClauseExclusion: "不予支持", ClauseStacking: "叠加规则",
	ClauseProcedure: "申报", ClauseValidity: "有效期", ClauseInterpretation: "解释", ClauseFunding: "资金来源",
	ClauseScope: "适用对象", ClausePurpose: "目的", ClauseOther: "其他",
}

// Describe says in Chinese, for an official checking an upload, what the
// bot will take the clause to mean: 奖补 · 省级 · 新获评省级智能制造示范工厂 →
// 100万元.
func (c Clause) Describe() string {
	parts := []string{kindNames[c.Kind]}
	if c.Tier != "" {
		parts = append(parts, c.Tier)
	}
	if c.Subject != "" {
		parts = append(parts, "对象："+c.Subject)
	}
	if bt := c.Benefit; bt != nil {
		var v string
		switch bt.Kind {
		case BenefitFixed:
			v = bt.Amount.String()
		case BenefitUpTo:
			v = "最高" + bt.Amount.String() + "（按实核定）"
		case BenefitRate:
			v = "按" + bt.Base + "的" + amount.FormatNumber(bt.Rate) + "%"
		case BenefitPerUnit:
			v = "每" + bt.Base + bt.Amount.String()
		case BenefitStep:
			v = "每增加" + bt.Per.String() + "奖励" + bt.Amount.String()
		case BenefitSteps:
			var ss []string
			for _, st := range bt.Steps {
				ss = append(ss, st.Threshold.Value.String()+"→"+st.Amount.String())
			}
			v = "分档：" + strings.Join(ss, "，")
		}
		if !bt.Cap.IsZero() {
			v += "，" + bt.CapScope + "最高" + bt.Cap.String()
		}
		parts = append(parts, "金额："+v)
	}
	for _, t := range c.Thresholds {
		op := "达到"
		if t.Op == ">" {
			op = "超过"
		}
		first := ""
		if t.First {
			first = "（首次）"
		}
		parts = append(parts, "门槛："+t.Quantity+op+t.Value.String()+first)
	}
	if c.Department != "" {
		parts = append(parts, "部门："+c.Department)
	}
	return strings.Join(parts, " · ")
}

// String writes the threshold as a condition: 当年设备投资 ≥ 2000万元 (首次).
func (t Threshold) String() string {
	s := t.Quantity + " " + t.Op + " " + t.Value.String()
	if t.First {
		s += "（首次）"
	}
	return s
}
