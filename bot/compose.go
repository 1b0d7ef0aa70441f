package bot

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"policybot/bot/convlog"
	"policybot/policies"
	"policybot/policies/amount"
	"policybot/policies/norm"
	"policybot/retrieval"
)

// article is a candidate article for a question: its best chunk, its
// clauses and how well it covers the question.
type article struct {
	hit     retrieval.Hit
	passage string // folded title, chapter and text: what anchors are matched against
	clauses []policies.Clause
	m       match
	score   float64
}

func (a *article) chunk() retrieval.Chunk { return a.hit.Chunk }

func (a *article) key() string { return fmt.Sprintf("%s#%d", a.hit.Chunk.DocID, a.hit.Chunk.Article) }

func (a *article) has(k policies.ClauseKind) bool {
	for _, c := range a.clauses {
		if c.Kind == k {
			return true
		}
	}
	return false
}

// reply is an answer being composed: lead lines (the direct answer: a
// computed amount, the tier, a condition not met) and the quoted clauses.
type reply struct {
	lead  []string
	cites []convlog.Citation
}

// selection is what of an article answers the question.
type selection struct {
	clauses []int    // indexes of the clauses to quote, in order; nil: the whole article
	lead    []string // direct answers computed from the clauses
	notes   []string // what the question names that the article does not
}

// selectClauses chooses the clauses of a that answer q: the tier the
// question names (never a sibling tier's amount), the step its figure
// reaches, the computation with its own figure, and the clauses that
// qualify the amount (conditions, stacking, exclusions).
func selectClauses(q understood, a *article, english bool, weights map[string]float64) selection {
	var sel selection
	cs := a.clauses
	var benefits []int
	for i, c := range cs {
		if c.Kind == policies.ClauseBenefit {
			benefits = append(benefits, i)
		}
	}
	chosen := benefits
	if len(benefits) >= 2 && !(q.intents.has(askList) && len(q.currentTiers()) == 0) {
		// "有啥政策可以申请": every benefit of the article, unless a tier is named.
		chosen = chooseTier(q, cs, benefits, &sel, english, weights)
	}
	// Conditions stated for the whole article (a lead-in "…达到100万元以上
	// 的，按以下标准给予补助：", a clause "首店面积须达到100平方米以上") apply
	// to every benefit in it.
	var shared []policies.Threshold
	for _, c := range cs {
		if c.Lead || c.Kind == policies.ClauseCondition {
			shared = append(shared, c.Thresholds...)
		}
	}
	// The company's figures against the chosen benefits.
	for _, i := range chosen {
		c := cs[i]
		if c.Benefit != nil && c.Benefit.Kind == policies.BenefitSteps {
			if line, ok := chooseStep(q, c, english); ok {
				sel.lead = append(sel.lead, line)
			}
			continue
		}
		sel.lead = append(sel.lead, computeLines(q, c, shared, english)...)
	}
	sel.lead = uniqueLines(sel.lead)
	if len(chosen) == 0 || len(chosen) == len(benefits) && !stepsChosen(cs, chosen, q) {
		// Nothing to single out: the whole article answers.
		sel.lead = append(sel.lead, upgradeLines(q, cs, benefits, english)...)
		return sel
	}
	keep := map[int]bool{}
	for _, i := range chosen {
		keep[i] = true
	}
	for i, c := range cs {
		switch {
		case keep[i]:
		case c.Kind == policies.ClauseBenefit, c.Lead, c.Kind == policies.ClausePurpose:
		default:
			// Conditions, stacking rules, exclusions, procedures and other
			// text qualify the amount: they are never cut.
			keep[i] = true
		}
	}
	for i := range cs {
		if keep[i] {
			sel.clauses = append(sel.clauses, i)
		}
	}
	sel.lead = append(sel.lead, upgradeLines(q, cs, chosen, english)...)
	return sel
}

func uniqueLines(ls []string) []string {
	var out []string
	for _, l := range ls {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

func stepsChosen(cs []policies.Clause, chosen []int, q understood) bool {
	for _, i := range chosen {
		if b := cs[i].Benefit; b != nil && b.Kind == policies.BenefitSteps && stepFact(q, cs[i]) >= 0 {
			return true
		}
	}
	return false
}

// chooseTier returns the benefit clauses of the tier the question names, or
// singles one out by the words that tell it from its siblings (车间 and
// 工厂, 华东, 提名); all of them when the question does not say, names
// several, or its tier and its words point to different clauses.
func chooseTier(q understood, cs []policies.Clause, benefits []int, sel *selection, english bool, weights map[string]float64) []int {
	named := q.currentTiers()
	var byTier []int
	for _, i := range benefits {
		for _, t := range named {
			if cs[i].Tier == t {
				byTier = append(byTier, i)
				break
			}
		}
	}
	if len(named) > 0 && len(byTier) == 0 {
		var tiers []string
		for _, i := range benefits {
			if cs[i].Tier != "" {
				tiers = appendUnique(tiers, cs[i].Tier)
			}
		}
		if len(tiers) > 0 {
			if english {
				sel.notes = append(sel.notes, fmt.Sprintf("The article lists these tiers only: %s; %s is not among them.", strings.Join(tiers, ", "), strings.Join(named, ", ")))
			} else {
				sel.notes = append(sel.notes, fmt.Sprintf("条款列出的档次为：%s，未列出“%s”。", strings.Join(tiers, "、"), strings.Join(named, "、")))
			}
		}
		return benefits
	}
	if len(named) >= 2 {
		return byTier
	}
	words := matchedWords(q, cs, benefits, weights)
	byWords := best(words, benefits)
	if thresholdTiers(q, cs, benefits) && len(byTier) == 0 {
		// Steps told apart by a threshold (首次达到500万美元 / 2000万美元)
		// with the company's figure: the step it reaches — unless its
		// words name another kind of benefit (增量那块), or it asks about
		// getting one again (then every step, each compared with it).
		switch {
		case byWords >= 0 && cs[byWords].Benefit.Kind != policies.BenefitFixed:
			return []int{byWords}
		case q.intents.has(askStacking):
			return benefits
		}
		if i := highestMet(q, cs, benefits); i >= 0 {
			return []int{i}
		}
		return benefits
	}
	if len(byTier) == 0 {
		if several := severalNamed(words, benefits); len(several) >= 2 {
			return several
		}
	}
	switch {
	case len(byTier) == 1:
		// 省长质量奖的提名: the tier says one clause, a rare word of the
		// question next to it (提名) another.
		t := byTier[0]
		clause := tierClause(q, cs[t].Tier)
		for _, j := range benefits {
			if j == t || cs[j].Tier == cs[t].Tier || cs[j].Tier == q.formerTier() || english {
				continue
			}
			for _, w := range minus(words[j], words[t]) {
				if words[j][w] >= conflictWeight && strings.Contains(clause, w) {
					return benefits
				}
			}
		}
		return byTier
	case len(byTier) > 1:
		if d := best(words, byTier); d >= 0 {
			return []int{d}
		}
		return byTier
	case byWords >= 0:
		return []int{byWords}
	}
	return benefits
}

// tierClause returns the clause of the question that names tier.
func tierClause(q understood, tier string) string {
	for _, t := range q.tiers {
		if t.tier != tier || t.not || t.past {
			continue
		}
		start := strings.LastIndexAny(q.norm[:t.pos], "，,。；;？?！!") + 1
		end := strings.IndexAny(q.norm[t.pos:], "，,。；;？?！!")
		if end < 0 {
			return q.norm[start:]
		}
		return q.norm[start : t.pos+end]
	}
	return q.norm
}

// conflictWeight is how rare a word must be (the weight of a word in about
// 6% of the corpus) to overrule the tier a question names.
const conflictWeight = 2.7

// severalNamed returns the siblings the question names each by a rare word
// only that one has (绿色食品 and 有机).
func severalNamed(words map[int]map[string]float64, benefits []int) []int {
	var out []int
	for _, i := range benefits {
		for w, weight := range words[i] {
			unique := true
			for _, j := range benefits {
				if _, shared := words[j][w]; j != i && shared {
					unique = false
				}
			}
			if unique && weight >= conflictWeight {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// thresholdTiers reports sibling benefits told apart by a threshold in the
// unit of one of the company's figures (首次达到500万美元 / 2000万美元).
func thresholdTiers(q understood, cs []policies.Clause, benefits []int) bool {
	n := 0
	for _, i := range benefits {
		if b := cs[i].Benefit; b == nil || b.Kind != policies.BenefitFixed && b.Kind != policies.BenefitPerUnit {
			continue
		}
		for _, t := range cs[i].Thresholds {
			if factFor(q, t.Value.Unit, t.Quantity) >= 0 {
				n++
				break
			}
		}
	}
	return n >= 2
}

// highestMet returns the benefit whose thresholds the company's single
// figure in their unit all meet (a range "10000（含）—30000" in a table is
// two), the one with the highest threshold when several do; -1 when none
// does or the question gives several figures.
func highestMet(q understood, cs []policies.Clause, benefits []int) int {
	best, bestValue, facts := -1, -1.0, map[int]bool{}
	for _, i := range benefits {
		if b := cs[i].Benefit; b == nil || b.Kind != policies.BenefitFixed && b.Kind != policies.BenefitPerUnit || len(cs[i].Thresholds) == 0 {
			continue
		}
		t0 := cs[i].Thresholds[0]
		fi := factFor(q, t0.Value.Unit, t0.Quantity)
		if fi < 0 {
			continue
		}
		facts[fi] = true
		met := true
		for _, t := range cs[i].Thresholds {
			if t.Value.Unit == t0.Value.Unit && !t.Met(q.facts[fi].Value) {
				met = false
			}
		}
		if met && t0.Value.Value > bestValue {
			best, bestValue = i, t0.Value.Value
		}
	}
	if len(facts) != 1 {
		return -1
	}
	return best
}

// matchedWords returns, for each sibling benefit, the question's words
// that name it and not all of its siblings (weighed by how rare they are
// in the corpus): 车间 and 工厂, 华东, 提名.
func matchedWords(q understood, cs []policies.Clause, siblings []int, weights map[string]float64) map[int]map[string]float64 {
	sets := map[int]map[string]bool{}
	common := map[string]int{}
	designations := fullDesignations(cs, siblings)
	for _, i := range siblings {
		s := map[string]bool{}
		for _, bg := range bigramsOf(norm.Fold(designations[i])) {
			s[bg] = true
		}
		sets[i] = s
		for bg := range s {
			common[bg]++
		}
	}
	// The question's own words: the synonym table's wordings of a term
	// (示范智能车间 → 智能制造示范车间) would tell siblings apart by the
	// table, not by what the company said. An English question has only
	// its terms.
	qs := map[string]bool{}
	own := q.topic
	if own == "" {
		own = q.norm
	}
	for _, bg := range bigramsOf(own) {
		qs[bg] = true
	}
	if q.english {
		for _, t := range q.rw.Terms {
			for _, bg := range bigramsOf(norm.Fold(t)) {
				qs[bg] = true
			}
		}
	}
	out := map[int]map[string]float64{}
	for _, i := range siblings {
		m := map[string]float64{}
		for bg := range sets[i] {
			if common[bg] < len(siblings) && qs[bg] {
				w, ok := weights[bg]
				if !ok {
					w = 1
				}
				if w >= minAnchorWeight {
					m[bg] = w
				}
			}
		}
		out[i] = m
	}
	return out
}

// best returns the clause of pool with the heaviest matched words, or -1
// when none matches or two tie.
func best(words map[int]map[string]float64, pool []int) int {
	bestI, bestScore, tie := -1, 0.0, false
	for _, i := range pool {
		score := 0.0
		for _, w := range words[i] {
			score += w
		}
		switch {
		case score > bestScore+1e-9:
			bestI, bestScore, tie = i, score, false
		case score > 0 && math.Abs(score-bestScore) < 1e-9:
			tie = true
		}
	}
	if tie || bestScore == 0 {
		return -1
	}
	return bestI
}

func minus(a, b map[string]float64) []string {
	var out []string
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

// fullDesignations returns the siblings' designations with what a list
// leaves out filled in from its first item: in "新认定为农业产业化国家重点
// 龙头企业的…；新认定为省级重点龙头企业的…", the second is 农业产业化省级重点
// 龙头企业 — 农业产业化 is what they share, not what tells them apart.
func fullDesignations(cs []policies.Clause, siblings []int) map[int]string {
	out := map[int]string{}
	prefix := ""
	for k, i := range siblings {
		d := designationOf(cs[i].Subject)
		if k == 0 {
			if start, _, _ := policies.TierSpan(d); start > 0 {
				prefix = d[:start]
			}
		} else if start, _, _ := policies.TierSpan(d); start == 0 && prefix != "" && !strings.HasPrefix(d, prefix) {
			d = prefix + d
		}
		out[i] = d
	}
	return out
}

var designationVerbRE = regexp.MustCompile(`.*(认定为|评定为|评为|获评|获得|开设|举办|纳入|入选|列入|认定)`)

// designationOf returns the part of a subject that names the designation
// (…获得中国质量奖（含提名奖） → 中国质量奖（含提名奖）): what tells sibling
// clauses apart, without the qualifiers they share (国内外知名品牌在吴中区…).
func designationOf(subject string) string {
	// "国内发明专利获得授权": what follows the verb is too short to be the
	// designation; the whole subject is.
	if loc := designationVerbRE.FindStringIndex(subject); loc != nil && loc[1] < len(subject) && utf8.RuneCountInString(subject[loc[1]:]) > 2 {
		return subject[loc[1]:]
	}
	return subject
}

// upgradeLines computes 补足差额 when the question names the company's
// former tier (原来是省级，今年升成国家级) and the article tops up on upgrade.
func upgradeLines(q understood, cs []policies.Clause, chosen []int, english bool) []string {
	former := q.formerTier()
	if former == "" {
		return nil
	}
	var from, to *policies.Clause
	for i := range cs {
		c := &cs[i]
		if c.Kind != policies.ClauseBenefit || c.Benefit == nil || c.Benefit.Kind != policies.BenefitFixed {
			continue
		}
		if c.Tier == former && from == nil {
			from = c
		}
	}
	for _, i := range chosen {
		if c := &cs[i]; c.Benefit != nil && c.Benefit.Kind == policies.BenefitFixed && c.Tier != former {
			to = c
			break
		}
	}
	if from == nil || to == nil || from.Benefit.Amount.Unit != to.Benefit.Amount.Unit {
		return nil
	}
	diff := to.Benefit.Amount.Value - from.Benefit.Amount.Value
	if !topsUp(cs) || diff <= 0 {
		return nil
	}
	u := to.Benefit.Amount.Unit
	if english {
		return []string{fmt.Sprintf("Moving up from %s to %s, the article tops up the difference: %s − %s = %s (an estimate; the department's review decides).",
			englishTier(from.Tier), englishTier(to.Tier), amount.FormatEnglish(to.Benefit.Amount.Value, u), amount.FormatEnglish(from.Benefit.Amount.Value, u), amount.FormatEnglish(diff, u))}
	}
	return []string{fmt.Sprintf("由%s晋级%s，按条款“补足差额”：%s − %s = %s（测算值，以部门审核为准）。",
		from.Tier, to.Tier, to.Benefit.Amount, from.Benefit.Amount, amount.Format(diff, u))}
}

// stepFacts returns the indexes of the question's figures that a Steps
// clause measures (same unit as its thresholds), in the order written.
func stepFacts(q understood, c policies.Clause) []int {
	if len(c.Benefit.Steps) == 0 {
		return nil
	}
	u := c.Benefit.Steps[0].Threshold.Value.Unit
	var out []int
	for i, f := range q.facts {
		if f.Unit == u && !f.Vague {
			out = append(out, i)
		}
	}
	return out
}

// stepFact returns the index of the question's figure that a Steps clause
// measures, or -1. Of several, the last one written is what the company
// asks about ("去年98亿，今年预计106亿，第一次过百亿的话…").
func stepFact(q understood, c policies.Clause) int {
	fs := stepFacts(q, c)
	if len(fs) == 0 {
		return -1
	}
	return fs[len(fs)-1]
}

// chooseStep picks the step of a 分别 list that the company's figure
// reaches: 营收106亿 → 首次突破100亿元 → 200万元.
func chooseStep(q understood, c policies.Clause, english bool) (string, bool) {
	fi := stepFact(q, c)
	if fi < 0 {
		return "", false
	}
	x := q.facts[fi].Value
	steps := c.Benefit.Steps
	best := reachedStep(steps, x)
	fig := amount.Format(x, q.facts[fi].Unit)
	if best < 0 {
		t := steps[0].Threshold
		if english {
			return fmt.Sprintf("Your figure (%s) does not reach the lowest step (%s %s), so this reward does not apply yet.", amount.FormatEnglish(x, q.facts[fi].Unit), t.Quantity, amount.FormatEnglish(t.Value.Value, t.Value.Unit)), true
		}
		return fmt.Sprintf("您提到的%s未达到最低一档（%s%s）。", fig, thresholdPhrase(t), t.Value), true
	}
	s := steps[best]
	if english {
		// The step by its threshold: the quantity's Chinese name is in the
		// clause quoted below.
		return fmt.Sprintf("At %s, the step reached is the one of %s: a reward of %s (provided it is the first time the company passes it).",
			amount.FormatEnglish(x, q.facts[fi].Unit), amount.FormatEnglish(s.Threshold.Value.Value, s.Threshold.Value.Unit), amount.FormatEnglish(s.Amount.Value, s.Amount.Unit)), true
	}
	first := ""
	if s.Threshold.First {
		first = "（须为首次突破）"
	}
	return fmt.Sprintf("按您提到的%s，对应“%s%s”一档：奖励%s%s。", fig, thresholdPhrase(s.Threshold), s.Threshold.Value, s.Amount, first), true
}

func thresholdPhrase(t policies.Threshold) string {
	q := t.Quantity
	switch {
	case t.First && t.Op == ">":
		return q + "首次突破"
	case t.First:
		return q + "首次达到"
	case t.Op == ">":
		return q + "超过"
	}
	return q + "达到"
}

// computeLines applies the company's figure to a benefit clause: checks
// its thresholds and computes a rate, a per-unit amount or a step reward
// with its cap, showing the working.
func computeLines(q understood, c policies.Clause, shared []policies.Threshold, english bool) []string {
	if c.Benefit == nil || len(q.facts) == 0 {
		return nil
	}
	b := c.Benefit
	var out []string
	// Thresholds first: a figure below one means the clause does not apply.
	for _, t := range append(append([]policies.Threshold{}, shared...), c.Thresholds...) {
		fi := factFor(q, t.Value.Unit, t.Quantity)
		if fi < 0 {
			continue
		}
		f := q.facts[fi]
		if t.Met(f.Value) {
			continue
		}
		switch {
		case english:
			out = append(out, fmt.Sprintf("Condition not met: the clause requires %s %s %s; you mention %s.",
				t.Quantity, englishOp(t.Op), amount.FormatEnglish(t.Value.Value, t.Value.Unit), amount.FormatEnglish(f.Value, f.Unit)))
		case c.Benefit != nil && c.Benefit.Kind == policies.BenefitFixed:
			out = append(out, fmt.Sprintf("您提到的%s未达到“%s%s”这一档（奖励%s）的条件。", amount.Format(f.Value, f.Unit), thresholdPhrase(t), t.Value, c.Benefit.Amount))
		default:
			out = append(out, fmt.Sprintf("您提到的%s未达到条款要求（%s），按条款不符合申报条件。", amount.Format(f.Value, f.Unit), requirement(t)))
		}
		return out
	}
	switch b.Kind {
	case policies.BenefitRate:
		fi := factFor(q, "", b.Base)
		if fi < 0 || q.facts[fi].Kind != amount.Money {
			return out
		}
		return append(out, computedLine(b, q.facts[fi], english))
	case policies.BenefitPerUnit:
		fi := factFor(q, unitOfBase(b.Base), b.Base)
		if fi < 0 || q.facts[fi].Kind == amount.Money {
			return out
		}
		return append(out, computedLine(b, q.facts[fi], english))
	case policies.BenefitStep:
		fi := factFor(q, b.Per.Unit, "增量")
		if fi < 0 {
			return out
		}
		return append(out, computedLine(b, q.facts[fi], english))
	}
	return out
}

// computedLine is the "测算" line of a benefit computed from the company's
// figure f.
func computedLine(b *policies.BenefitTerms, f amount.Amount, english bool) string {
	c, ok := computeBenefit(b, f.Value, f.Unit)
	if !ok {
		return ""
	}
	return capped(c, b, english)
}

func unitOfBase(base string) string {
	switch base {
	case "张":
		return "张"
	case "人次":
		return "人次"
	case "亩":
		return "亩"
	case "平方米":
		return "平方米"
	}
	return ""
}

// capped writes a computation and applies the cap.
func capped(c computed, b *policies.BenefitTerms, english bool) string {
	capNote := ""
	switch {
	case b.Cap.IsZero():
	case c.capped:
		if english {
			capNote = fmt.Sprintf(", above the cap of %s, so %s", amount.FormatEnglish(b.Cap.Value, b.Cap.Unit), amount.FormatEnglish(b.Cap.Value, b.Cap.Unit))
		} else {
			capNote = fmt.Sprintf("，超过%s最高%s的上限，按%s计", b.CapScope, b.Cap, b.Cap)
		}
	case c.capOther:
		if english {
			capNote = fmt.Sprintf(" (the cap is %s; the amount is converted at the time of payment)", amount.FormatEnglish(b.Cap.Value, b.Cap.Unit))
		} else {
			capNote = fmt.Sprintf("（%s最高%s，按折算后金额核定）", b.CapScope, b.Cap)
		}
	default:
		if english {
			capNote = fmt.Sprintf(", within the cap of %s", amount.FormatEnglish(b.Cap.Value, b.Cap.Unit))
		} else {
			capNote = fmt.Sprintf("，未超过%s最高%s的上限", b.CapScope, b.Cap)
		}
	}
	if english {
		return fmt.Sprintf("Estimate: %s = %s%s. The final amount is set by the department's review.", c.working, amount.FormatEnglish(c.raw, c.unit), capNote)
	}
	return fmt.Sprintf("测算：按%s计，%s = %s%s。（测算值，最终以主管部门审核为准）", c.rule, c.working, amount.Format(c.raw, c.unit), capNote)
}

// requirement writes a threshold as a policy text states it: 投入达到500万元
// 以上, 新增采购额超过1亿元.
func requirement(t policies.Threshold) string {
	switch t.Op {
	case ">":
		return t.Quantity + "超过" + t.Value.String()
	case "<":
		return t.Quantity + "低于" + t.Value.String()
	}
	return t.Quantity + "达到" + t.Value.String() + "以上"
}

func englishOp(op string) string {
	if op == ">" {
		return "above"
	}
	return "of at least"
}

// factFor returns the index of the question's figure for a quantity: same
// unit (when given), preferring the figure written right after words of the
// quantity (设备买了1800万, 厂房盖了6000万 → 设备); -1 when none fits. An
// increment (增量, 新增) takes only a figure the company says is one
// (比去年多了500万美元), and any other quantity never takes one.
func factFor(q understood, unit, quantity string) int {
	best, bestScore := -1, -1
	qb := map[string]bool{}
	for _, bg := range bigramsOf(norm.Fold(quantity)) {
		qb[bg] = true
	}
	wantIncrement := incrementRE.MatchString(quantity)
	rs := []rune(q.norm)
	for i, f := range q.facts {
		if f.Vague || f.Kind == amount.Percent {
			continue
		}
		if unit != "" && f.Unit != unit && !(unit == "元" && f.Unit == "") {
			continue
		}
		if unit == "" && f.Kind != amount.Money {
			continue
		}
		at := len([]rune(q.norm[:f.Start]))
		before := string(rs[max(0, at-factWindow):at])
		if incrementCueRE.MatchString(lastClause(before)) != wantIncrement {
			continue
		}
		score := 0
		for _, bg := range bigramsOf(before) {
			if qb[bg] {
				score++
			}
		}
		if score >= bestScore {
			// On a tie the later figure wins: "去年…今年做到1200万美元".
			best, bestScore = i, score
		}
	}
	return best
}

// factWindow is how many characters before a figure say what it measures.
const factWindow = 14

var (
	incrementRE    = regexp.MustCompile(`增量|增加|新增|增长`)
	incrementCueRE = regexp.MustCompile(`多了|多做了?|增加了?|增长了?|增量|新增|比(去年|上年|前年)多|涨了`)
)

// lastClause returns the text after the last comma: the words that go with
// the figure that follows.
func lastClause(s string) string {
	if i := strings.LastIndexAny(s, "，,;；。"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// quoteOf writes the chosen clauses of an article verbatim, with "……" where
// clauses in between are left out; the whole text when sel.clauses is nil.
func quoteOf(a *article, sel selection, q understood) string {
	text := strings.TrimSpace(a.chunk().Text)
	if sel.clauses == nil {
		return text
	}
	var b strings.Builder
	last := -1
	for _, i := range sel.clauses {
		c := a.clauses[i]
		if last >= 0 && i > last+1 && !allSkippable(a.clauses[last+1:i]) {
			b.WriteString("……")
		} else if last < 0 && i > 0 && !allSkippable(a.clauses[:i]) {
			b.WriteString("……")
		}
		t := c.Text
		if c.Benefit != nil && c.Benefit.Kind == policies.BenefitSteps {
			t = elideSteps(c, q)
		}
		b.WriteString(t)
		last = i
	}
	out := strings.TrimRight(b.String(), "；;，,")
	if !strings.HasSuffix(out, "。") && !strings.HasSuffix(out, "……") {
		out += "……"
	}
	return out
}

// allSkippable reports clauses whose omission needs no mark: lead-ins.
func allSkippable(cs []policies.Clause) bool {
	for _, c := range cs {
		if !c.Lead && c.Kind != policies.ClausePurpose {
			return false
		}
	}
	return true
}

var listRE = regexp.MustCompile(`[0-9.]+(?:万|亿)?(?:元|美元)(?:、[0-9.]+(?:万|亿)?(?:元|美元))+`)

// elideSteps keeps, in each 、-list of a 分别 clause, only the step the
// question's figure reaches: 首次突破……100亿元的企业，分别奖励……200万元.
func elideSteps(c policies.Clause, q understood) string {
	fi := stepFact(q, c)
	if fi < 0 {
		return c.Text
	}
	best := reachedStep(c.Benefit.Steps, q.facts[fi].Value)
	if best < 0 {
		return c.Text
	}
	return listRE.ReplaceAllStringFunc(c.Text, func(list string) string {
		items := strings.Split(list, "、")
		if best >= len(items) {
			return list
		}
		if best == 0 {
			return items[0] + "……"
		}
		return "……" + items[best]
	})
}

// englishTier names a tier in English.
func englishTier(t string) string {
	switch t {
	case "国际级":
		return "international level (国际级)"
	case "国家级":
		return "national level (国家级)"
	case "省级":
		return "provincial level (省级)"
	case "市级":
		return "city level (市级)"
	case "区级":
		return "district level (区级)"
	case "五星级", "四星级", "三星级":
		return strings.TrimSuffix(map[string]string{"五星级": "five-star", "四星级": "four-star", "三星级": "three-star"}[t], "") + " (" + t + ")"
	}
	return t
}

// sortArticles orders candidates by score, best first.
func sortArticles(as []*article) {
	sort.SliceStable(as, func(i, j int) bool { return as[i].score > as[j].score })
}
