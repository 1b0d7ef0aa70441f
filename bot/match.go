package bot

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"policybot/policies"
	"policybot/policies/amount"
	"policybot/policies/norm"
	"policybot/retrieval"
)

// Policy matching (政策匹配): a company describes itself once, as a Profile
// or a sentence, and gets every measure it may qualify for, with the
// amounts. Pure code over the provisions of the corpus — no model:
//
//   - A benefit clause is matched when every condition it states is known
//     and met, possible when the profile does not say some (each is
//     returned as a question), and not matched when a fact of the profile
//     fails one (returned only with MatchRequest.Full). A clause the
//     profile says nothing about (no designation, figure or trait of it)
//     is not listed.
//   - Every estimate is computed in code from the clause — a fixed amount,
//     a rate of the company's figure with the cap, an amount per unit or
//     per step, the step a figure reaches, the difference on an upgrade
//     (补足差额) — and shown with its working. An amount up to a ceiling
//     decided case by case (给予最高200万元奖励) has no estimate.
//   - Stacking rules apply across the list: of an article's benefits paid
//     once a year (按其中最高一项, 不重复享受) and of the steps of one figure
//     (首次突破1亿美元 / 5亿美元) only the highest counts; one project that
//     qualifies for several measures is paid by the highest (就高不重复).
//   - The total adds the estimates of the matched clauses that count, in
//     yuan, and is labelled an estimate subject to the departments' review.
//
// What is assumed where the measures are silent is written in the README
// (政策匹配).

// MatchStatus is how a benefit clause fits the profile.
type MatchStatus string

// The statuses of a match.
const (
	// MatchMatched: every condition the clause states is known and met.
	MatchMatched MatchStatus = "matched"
	// MatchPossible: none fails, some the profile does not say
	// (Match.Conditions).
	MatchPossible MatchStatus = "possible"
	// MatchNotMatched: a fact of the profile fails a condition
	// (Match.Unmet); listed only with MatchRequest.Full.
	MatchNotMatched MatchStatus = "not_matched"
)

// MatchRequest is one matching: a profile, a sentence, or both (the
// sentence adds what the profile does not say).
type MatchRequest struct {
	Profile *Profile
	Text    string
	// Full lists the clauses a fact of the profile fails too.
	Full bool
	// AsOf is the day the measures must be in force; zero means today.
	AsOf time.Time
}

// Match is one benefit clause and how it fits the profile.
type Match struct {
	Doc     string      `json:"doc"`
	Title   string      `json:"title"`
	Article int         `json:"article"`
	Label   string      `json:"label"`
	Status  MatchStatus `json:"status"`
	// Subject is who the clause is for, as it says (首次认定为省级专精特新中小企业).
	Subject string `json:"subject,omitempty"`
	// Event names the company's event the match is for ("" for the company).
	Event string `json:"event,omitempty"`
	// Quote is the clause, with the clauses of its article that qualify
	// it (conditions, stacking rules), verbatim.
	Quote string `json:"quote"`
	// Estimate is the amount computed from the clause and the profile in
	// EstimateUnit (元 for every bundled measure), with its working;
	// HasEstimate is false when the clause gives no figure to compute
	// (最高…按实核定) or the profile lacks the figure it needs.
	Estimate     float64 `json:"-"`
	EstimateUnit string  `json:"-"`
	HasEstimate  bool    `json:"-"`
	Working      string  `json:"working"`
	// Counted reports that the estimate is in the total: matched, in
	// yuan, and not set aside by a stacking rule (StackNote says which).
	Counted   bool   `json:"counted"`
	StackNote string `json:"stacking,omitempty"`
	// Conditions are what the profile does not say, as questions (possible
	// matches); Unmet the conditions a fact fails (not matched).
	Conditions []string `json:"conditions"`
	Unmet      []string `json:"unmet,omitempty"`
	Department string   `json:"department"`
	Deadline   string   `json:"deadline"`
	Sample     bool     `json:"sample,omitempty"`

	// order keeps the corpus order for ties; project the profile's project
	// the estimate is computed from (-1 for none), for 就高不重复.
	order   int
	project int
	fact    string
	subject int
}

// MatchResult is the answer to a MatchRequest.
type MatchResult struct {
	// Understood is the profile as the matcher read it: what the company
	// can correct and send back.
	Understood Profile
	// Region is the region whose measures were matched.
	Region string
	// Matches are sorted: matched, then possible, then not matched; by
	// estimate within each.
	Matches []Match
	// Total is the sum of the counted estimates, in yuan; Counted how many
	// there are. Possible is the sum of the possible matches' estimates
	// (if their conditions hold), not in Total.
	Total    float64
	Counted  int
	Possible float64
	// TotalNote labels the total as an estimate subject to review.
	TotalNote string
	// Notes are what applies to every match: the measures' exclusions (不享受).
	Notes []string
	// Unknown are the conditions the profile left open, most frequent
	// first: what the form or the corpus may be missing.
	Unknown []string
	Sample  bool
}

// TotalLabel is said with every total.
const TotalLabel = "测算合计（仅为估算，实际金额以主管部门审核为准）"

// Match matches a company's profile against the provisions of the measures
// in force in its region. It returns an error wrapping ErrInvalid for a
// profile that does not check (Profile.Check) or an empty request; other
// errors come from the index.
func (b *Bot) Match(ctx context.Context, req MatchRequest) (MatchResult, error) {
	var p Profile
	if req.Profile != nil {
		p = *req.Profile
	}
	text := strings.TrimSpace(req.Text)
	if text == "" {
		text = strings.TrimSpace(p.Text)
	}
	if req.Profile == nil && text == "" {
		return MatchResult{}, invalidf("give a profile or a text describing the company", "请填写企业情况（表单或一段文字描述）")
	}
	if len([]rune(text)) > maxProfileTextRune {
		return MatchResult{}, invalidf("text has more than %d characters", "文字描述超过%d字", maxProfileTextRune)
	}
	if err := p.Check(); err != nil {
		return MatchResult{}, err
	}
	ctx, release, err := b.enterCPU(ctx)
	if err != nil {
		return MatchResult{}, err
	}
	defer release()
	cat, err := b.catalog()
	if err != nil {
		return MatchResult{}, err
	}
	asOf := req.AsOf
	if asOf.IsZero() {
		asOf = b.cfg.Now()
	}
	if text != "" {
		read := b.readProfile(cat, text, asOf)
		p.merge(read)
		if err := p.Check(); err != nil {
			return MatchResult{}, err
		}
		p.Text = text
	}
	if err := ctx.Err(); err != nil {
		return MatchResult{}, err
	}
	return b.match(cat, p, req.Full, asOf), nil
}

// match is Match on a checked profile.
func (b *Bot) match(cat *catalog, p Profile, full bool, asOf time.Time) MatchResult {
	region := p.Region
	if region == "" {
		region = b.cfg.HomeRegion
	}
	res := MatchResult{Understood: p, Region: region, Matches: []Match{}, Notes: []string{}, Unknown: []string{}}
	m := newMatcher(p, asOf)
	regs := policies.DefaultRegions()
	m.findGeneric(cat, regs, region)
	seenExcl := map[string]bool{}
	order := 0
	for _, d := range cat.docs {
		if !d.applies(regs, region, asOf) {
			continue
		}
		d.parse()
		found := false
		for _, pv := range d.provisions {
			for si := range m.subjects {
				c, ok := m.evaluate(pv, si)
				if !ok {
					continue
				}
				c.order = order
				order++
				res.Matches = append(res.Matches, c)
				found = found || c.Status != MatchNotMatched
			}
		}
		if found {
			res.Sample = res.Sample || d.sample
			for _, e := range d.exclusions {
				note := fmt.Sprintf("《%s》%s：%s", d.scope.Title, e.label, e.text)
				if !seenExcl[note] {
					seenExcl[note] = true
					res.Notes = append(res.Notes, note)
				}
			}
		}
	}
	applyStacking(res.Matches, cat)
	res.finish(full)
	return res
}

// applies reports whether the document's measures apply to a company
// registered in region on day asOf: a measure, in force, of the region or
// one containing it.
func (d *catalogDoc) applies(regs *policies.Regions, region string, asOf time.Time) bool {
	s := d.scope
	if s.Category == policies.News {
		return false
	}
	if region != "" && s.Region != "" && !regs.AppliesIn(s.Region, region) {
		return false
	}
	doc := policies.Document{Status: s.Declared, EffectiveFrom: s.EffectiveFrom, EffectiveTo: s.EffectiveTo}
	return doc.InForce(asOf)
}

// finish sorts the matches, drops the not matched unless full, and adds
// up the total.
func (res *MatchResult) finish(full bool) {
	rank := map[MatchStatus]int{MatchMatched: 0, MatchPossible: 1, MatchNotMatched: 2}
	sort.SliceStable(res.Matches, func(i, j int) bool {
		a, b := res.Matches[i], res.Matches[j]
		if rank[a.Status] != rank[b.Status] {
			return rank[a.Status] < rank[b.Status]
		}
		if a.Counted != b.Counted {
			return a.Counted
		}
		if a.Estimate != b.Estimate {
			return a.Estimate > b.Estimate
		}
		return a.order < b.order
	})
	count := map[string]int{}
	var kept []Match
	for _, m := range res.Matches {
		switch {
		case m.Status == MatchMatched && m.Counted:
			res.Total += m.Estimate
			res.Counted++
		case m.Status == MatchPossible && m.HasEstimate && m.EstimateUnit == "元" && m.StackNote == "":
			res.Possible += m.Estimate
		}
		if m.Status == MatchPossible {
			for _, c := range m.Conditions {
				if count[c] == 0 {
					res.Unknown = append(res.Unknown, c)
				}
				count[c]++
			}
		}
		if m.Status != MatchNotMatched || full {
			kept = append(kept, m)
		}
	}
	if kept == nil {
		kept = []Match{}
	}
	res.Matches = kept
	sort.SliceStable(res.Unknown, func(i, j int) bool { return count[res.Unknown[i]] > count[res.Unknown[j]] })
	res.TotalNote = fmt.Sprintf("%s：已满足条件的%d项合计%s。", TotalLabel, res.Counted, amount.Format(res.Total, "元"))
	if res.Possible > 0 {
		res.TotalNote += fmt.Sprintf("另有待确认条件的项目，若条件均满足，测算另计%s。", amount.Format(res.Possible, "元"))
	}
}

// matcher holds a profile read for matching.
type matcher struct {
	p        Profile
	asOf     time.Time
	subjects []subject
	// terms are the domain terms of each subject's designations.
	terms [][][]string
	// keys are the quantity keys each subject has a figure of.
	keys []map[string]bool
	// generic are the designations (by name) that measures of the
	// company's own field also name (规模以上): holding one says nothing of
	// the field of the measure it links to.
	generic map[string]bool
}

func newMatcher(p Profile, asOf time.Time) *matcher {
	m := &matcher{p: p, asOf: asOf, subjects: p.subjects()}
	for _, s := range m.subjects {
		var ts [][]string
		for _, d := range s.designations {
			ts = append(ts, keyTerms(foldTerms(d.Name)))
		}
		m.terms = append(m.terms, ts)
		k := map[string]bool{}
		for _, f := range s.facts {
			if f.q != nil {
				k[f.q.Key] = true
			} else {
				k["other"] = true
			}
		}
		m.keys = append(m.keys, k)
	}
	return m
}

// findGeneric marks the designations of the profile that a measure of the
// company's own field names.
func (m *matcher) findGeneric(cat *catalog, regs *policies.Regions, region string) {
	m.generic = map[string]bool{}
	if m.p.Category == "" {
		return
	}
	for _, d := range cat.docs {
		if d.scope.Category != m.p.Category || !d.applies(regs, region, m.asOf) {
			continue
		}
		d.parse()
		for _, pv := range d.provisions {
			for si := range m.subjects {
				if i := m.linkDesignation(pv, si); i >= 0 {
					m.generic[m.subjects[si].designations[i].Name] = true
				}
			}
		}
	}
}

// keyTerms drops the terms contained in another one of the list (智能制造
// beside 智能制造示范工厂): what is left names the designation.
func keyTerms(ts []string) []string {
	var out []string
	for _, t := range ts {
		inner := false
		for _, u := range ts {
			if u != t && strings.Contains(u, t) {
				inner = true
			}
		}
		if !inner {
			out = append(out, t)
		}
	}
	return out
}

// tierRank orders the tiers of government for 市级以上.
var tierRank = map[string]int{"区级": 1, "市级": 2, "省级": 3, "国家级": 4, "国际级": 5}

// tierWordsRE are the tier words a designation's name is compared without.
var tierWordsRE = regexp.MustCompile(`国际级|国家级|省级|市级|区级|[345]a级|[345]a|五星级|四星级|三星级|甲级|乙级|以上|中华|中国|江苏省?|苏州市?|[“”"'《》‘’]`)

func designationCore(s string) string {
	return strings.TrimSpace(tierWordsRE.ReplaceAllString(norm.Fold(s), ""))
}

// linkDesignation returns the subject's designation the provision
// requires, or -1: its name (without tier) is in the clause's, or the
// terms that name it are the clause's terms.
func (m *matcher) linkDesignation(pv *provision, si int) int {
	if pv.des == "" {
		return -1
	}
	des := tierWordsRE.ReplaceAllString(pv.des, "")
	best := -1
	for i, d := range m.subjects[si].designations {
		linked := false
		if core := designationCore(d.Name); core != "" && strings.Contains(des, core) {
			linked = true
		} else if ts := m.terms[si][i]; len(ts) > 0 {
			linked = true
			for _, t := range ts {
				if !slices.Contains(pv.desTerms, t) {
					linked = false
					break
				}
			}
		}
		if !linked {
			continue
		}
		// Of one designation held at two tiers, the one the clause names.
		if best < 0 || d.Tier == pv.tier {
			best = i
		}
	}
	return best
}

// findFact returns the subject's figure for a clause's words in unit (""
// for any money): by quantity, else an OtherFigure whose name the words
// share.
func (m *matcher) findFact(si int, words, clauseText, unit string) *fact {
	s := &m.subjects[si]
	if q := linkQuantity(words, clauseText, unit); q != nil {
		for i := range s.facts {
			if s.facts[i].q == q {
				return &s.facts[i]
			}
		}
		return nil
	}
	w := norm.Fold(words)
	for i := range s.facts {
		f := &s.facts[i]
		if f.q != nil || (unit != "" && f.unit != unit) || (unit == "" && f.unit != "元" && f.unit != "美元") {
			continue
		}
		if w != "" && (strings.Contains(w, f.name) || strings.Contains(f.name, w) || bigramShare(f.name, w) >= 0.6) {
			return f
		}
	}
	return nil
}

// bigramShare is the share of a's bigrams that b has.
func bigramShare(a, b string) float64 {
	ab := bigramsOf(a)
	if len(ab) == 0 {
		return 0
	}
	bb := map[string]bool{}
	for _, g := range bigramsOf(b) {
		bb[g] = true
	}
	n := 0
	for _, g := range ab {
		if bb[g] {
			n++
		}
	}
	return float64(n) / float64(len(ab))
}

// restrictiveRE are words of a qualifying condition a figure alone does
// not confirm (新引进的重大文化旅游项目 is more than a 文旅 investment).
// (A 重大 project is one that meets the article's investment threshold: no
// more than its figure.) Words joined by 或 are alternatives: one of them
// is enough.
var restrictiveRE = regexp.MustCompile(`新引进|新设|增资|扩产|头部|知名|链主|跨国|总部|独立法人`)

// covers reports whether a statement covers every restrictive word of a
// condition, counting the words joined by 或 (新引进或增资扩产) as one.
func covers(statement, condition string) bool {
	st := norm.Fold(statement)
	locs := restrictiveRE.FindAllStringIndex(condition, -1)
	for i := 0; i < len(locs); {
		j, ok := i, false
		for {
			ok = ok || strings.Contains(st, condition[locs[j][0]:locs[j][1]])
			if j+1 < len(locs) && orJoined(condition[locs[j][1]:locs[j+1][0]]) {
				j++
				continue
			}
			break
		}
		if !ok {
			return false
		}
		i = j + 1
	}
	return true
}

// orJoined reports the text between two restrictive words of one
// alternative group (新设或增资: 或; 增资扩产: nothing).
func orJoined(between string) bool {
	return between == "" || between == "或" || between == "、" || between == "和"
}

// evaluation collects what is met, unknown and unmet of one clause.
type evaluation struct {
	touched    bool
	conditions []string
	unmet      []string
	claims     []string
	cats       []policies.Category
}

func (e *evaluation) unknown(s string) { e.conditions = appendUnique(e.conditions, s) }
func (e *evaluation) fail(s string)    { e.unmet = appendUnique(e.unmet, s) }
func (e *evaluation) use(f *fact) {
	e.touched = true
	if f.q != nil {
		e.claims = append(e.claims, f.q.claims...)
		if f.q.category != "" {
			e.cats = append(e.cats, f.q.category)
		}
	}
}

// evaluate matches one provision against one subject; false when the
// subject says nothing about it.
func (m *matcher) evaluate(pv *provision, si int) (Match, bool) {
	s := &m.subjects[si]
	// A quick skip: no designation of the kind, no figure it reads and no
	// trait to confirm its conditions.
	if pv.des == "" && len(m.p.Traits) == 0 && !m.keys[si]["other"] {
		any := false
		for _, k := range pv.quantities {
			if m.keys[si][k] {
				any = true
				break
			}
		}
		if !any {
			return Match{}, false
		}
	}
	var e evaluation
	c := pv.c
	mt := Match{Doc: pv.doc.scope.ID, Title: pv.doc.scope.Title, Article: pv.art.number, Label: pv.art.label,
		Subject: c.Subject, Department: pv.art.department, Deadline: pv.doc.deadline(pv.art.number), Sample: pv.doc.sample,
		Conditions: []string{}, project: -1, subject: si}
	if s.event >= 0 {
		mt.Event = s.name
	}
	if c.Department != "" {
		mt.Department = c.Department
	}
	// The designation and its tier.
	di := m.linkDesignation(pv, si)
	var des *Designation
	if di >= 0 {
		des = &s.designations[di]
		e.touched = true
		e.claims = append(e.claims, des.Name)
		m.checkDesignation(pv, des, &e)
	}
	// Thresholds.
	for _, t := range pv.thresholds {
		f := m.findFact(si, t.Quantity, c.Text, t.Value.Unit)
		if f == nil {
			e.unknown(requirement(t) + "？")
			continue
		}
		e.use(f)
		m.checkThreshold(t, f, &e)
	}
	// The amount.
	m.estimate(pv, si, des, &mt, &e)
	if !e.touched {
		// Only a trait can still make it the company's: one that confirms
		// a qualifying condition.
		for _, q := range pv.qualifiers {
			if m.traitMatches(q) {
				e.touched = true
			}
		}
		if !e.touched {
			return Match{}, false
		}
	}
	if pv.des != "" && des == nil {
		// The clause names a designation the profile does not: an event or
		// a figure of its kind stands for it (a ticket count for 演唱会).
		if !claimIn(pv.des, e.claims) {
			e.unknown(designationQuestion(pv))
		}
	}
	for _, q := range pv.qualifiers {
		m.checkQualifier(q, &e)
	}
	m.checkCategory(pv, des, &e)

	mt.Quote = quoteProvision(pv)
	if e.conditions != nil {
		mt.Conditions = e.conditions
	}
	switch {
	case len(e.unmet) > 0:
		mt.Status, mt.Unmet = MatchNotMatched, e.unmet
	case len(e.conditions) > 0:
		mt.Status = MatchPossible
	default:
		mt.Status = MatchMatched
	}
	if mt.Status == MatchMatched && mt.HasEstimate && mt.EstimateUnit == "元" {
		mt.Counted = true
	}
	if mt.Status == MatchPossible && mt.Working != "" {
		mt.Working = "若上述条件满足：" + mt.Working
	}
	return mt, true
}

// checkDesignation compares the designation the company holds with the
// one the clause requires: its tier, and that it is new when the clause
// says 新认定 or 首次.
func (m *matcher) checkDesignation(pv *provision, d *Designation, e *evaluation) {
	name := strings.TrimSpace(d.Tier + d.Name)
	switch {
	case pv.tier == "":
	case d.Tier == "":
		e.unknown(fmt.Sprintf("%s的级别是否为%s？", d.Name, pv.tier))
	case d.Tier == pv.tier:
	case pv.atLeast && tierRank[d.Tier] >= tierRank[pv.tier] && tierRank[pv.tier] > 0:
	default:
		e.fail(fmt.Sprintf("贵企业为%s，本条为%s", name, pv.tier))
	}
	if !pv.first {
		return
	}
	switch {
	case d.New != nil && *d.New:
	case d.New != nil:
		e.fail(fmt.Sprintf("本条限新认定（首次认定）；贵企业的%s不是新认定的", name))
	case d.Year != 0 && m.asOf.Year()-d.Year <= 1:
	case d.Year != 0:
		e.fail(fmt.Sprintf("本条限新认定（首次认定）；贵企业的%s于%d年认定", name, d.Year))
	default:
		e.unknown(fmt.Sprintf("%s（是否为%d或%d年度新获得）", strings.TrimSuffix(designationQuestion(pv), "？"), m.asOf.Year()-1, m.asOf.Year()) + "？")
	}
}

// checkThreshold compares a figure with a threshold, and with last year's
// figure for a first time (首次突破).
func (m *matcher) checkThreshold(t policies.Threshold, f *fact, e *evaluation) {
	if !t.Met(f.value) {
		e.fail(fmt.Sprintf("%s为%s，未达到条款要求（%s）", f.label(), f.display(), requirement(t)))
		return
	}
	if !t.First {
		return
	}
	switch {
	case f.hasPrevious && t.Met(f.previous):
		e.fail(fmt.Sprintf("上一年度%s已为%s，本条限首次达到%s", f.label(), amount.Format(f.previous, f.unit), t.Value))
	case !f.hasPrevious:
		e.unknown(fmt.Sprintf("%s是否为首次达到%s（以前年度未达到）？", f.label(), t.Value))
	}
}

// estimate computes the clause's amount for the subject, with its working.
func (m *matcher) estimate(pv *provision, si int, des *Designation, mt *Match, e *evaluation) {
	b := pv.c.Benefit
	text := pv.c.Text
	switch b.Kind {
	case policies.BenefitFixed:
		mt.Estimate, mt.EstimateUnit, mt.HasEstimate = b.Amount.Value, b.Amount.Unit, true
		mt.Working = fmt.Sprintf("按条款，%s", b.Amount)
		if des != nil && des.FormerTier != "" && des.FormerTier != pv.tier && pv.art.topsUp {
			m.topUp(pv, des, mt)
		}
	case policies.BenefitUpTo:
		mt.Working = fmt.Sprintf("最高%s，具体金额由主管部门按实核定（无法测算）", b.Amount)
	case policies.BenefitSteps:
		if len(b.Steps) == 0 {
			return
		}
		t0 := b.Steps[0].Threshold
		f := m.findFact(si, t0.Quantity, text, t0.Value.Unit)
		if f == nil {
			e.unknown(fmt.Sprintf("%s是多少？（%s）", t0.Quantity, stepsPhrase(b.Steps)))
			return
		}
		e.use(f)
		i := reachedStep(b.Steps, f.value)
		if i < 0 {
			e.fail(fmt.Sprintf("%s为%s，未达到最低一档（%s）", f.label(), f.display(), requirement(t0)))
			return
		}
		st := b.Steps[i]
		m.checkThreshold(st.Threshold, f, e)
		mt.Estimate, mt.EstimateUnit, mt.HasEstimate = st.Amount.Value, st.Amount.Unit, true
		mt.Working = fmt.Sprintf("%s为%s，对应“%s%s”一档：%s", f.label(), f.display(), thresholdPhrase(st.Threshold), st.Threshold.Value, st.Amount)
		mt.fact = f.source
	default:
		words, unit := b.Base, ""
		switch b.Kind {
		case policies.BenefitPerUnit:
			unit = unitOfBase(b.Base)
			if unit == "" {
				unit = b.Base
			}
		case policies.BenefitStep:
			words, unit = "增量", b.Per.Unit
		}
		f := m.findFact(si, words, text, unit)
		if f == nil && b.Kind == policies.BenefitRate {
			// 按实际支出的30%: the spending the clause's threshold measured
			// (企业上云用云年度支出达到50万元以上).
			f = m.thresholdFact(pv, si, words)
		}
		if f == nil {
			e.unknown(fmt.Sprintf("%s是多少？（用于测算金额）", baseName(b)))
			return
		}
		e.use(f)
		c, ok := computeBenefit(b, f.value, f.unit)
		if !ok {
			return
		}
		mt.Estimate, mt.EstimateUnit, mt.HasEstimate = c.value, c.unit, true
		mt.Working = matchWorking(c, b, f)
		mt.project, mt.fact = f.project, f.source
	}
}

// thresholdFact returns the figure of the clause's money threshold whose
// words share one with the base (支出 in 实际支出 and 年度支出), or nil.
func (m *matcher) thresholdFact(pv *provision, si int, base string) *fact {
	bb := bigramsOf(norm.Fold(base))
	for _, t := range pv.c.Thresholds {
		if t.Value.Unit != "元" && t.Value.Unit != "美元" {
			continue
		}
		tq := norm.Fold(t.Quantity)
		for _, g := range bb {
			if strings.Contains(tq, g) {
				return m.findFact(si, t.Quantity, pv.c.Text, t.Value.Unit)
			}
		}
	}
	return nil
}

// topUp turns a fixed amount into the difference an upgrade is paid
// (专精特新企业晋级的，补足差额): the amount of the tier now held less the
// amount of the tier held before, from the same article.
func (m *matcher) topUp(pv *provision, des *Designation, mt *Match) {
	for _, c := range pv.art.clauses {
		if c.Kind != policies.ClauseBenefit || c.Benefit == nil || c.Benefit.Kind != policies.BenefitFixed || c.Tier != des.FormerTier {
			continue
		}
		from, to := c.Benefit.Amount, pv.c.Benefit.Amount
		if from.Unit != to.Unit {
			return
		}
		diff := max(to.Value-from.Value, 0)
		mt.Estimate = diff
		mt.Working = fmt.Sprintf("由%s晋级%s，按条款“补足差额”：%s − %s = %s", des.FormerTier, pv.tier, to, from, amount.Format(diff, to.Unit))
		return
	}
}

// matchWorking writes a computation for a match: the figure it starts
// from, the arithmetic and the cap.
func matchWorking(c computed, b *policies.BenefitTerms, f *fact) string {
	s := fmt.Sprintf("%s%s，按%s计：%s = %s", f.label(), f.display(), c.rule, c.working, amount.Format(c.raw, c.unit))
	switch {
	case c.capped:
		s += fmt.Sprintf("，超过%s最高%s的上限，按%s计", b.CapScope, b.Cap, b.Cap)
	case c.capOther:
		s += fmt.Sprintf("（%s最高%s，按折算后金额核定，未计入合计）", b.CapScope, b.Cap)
	case !b.Cap.IsZero():
		s += fmt.Sprintf("，未超过%s最高%s的上限", b.CapScope, b.Cap)
	}
	if f.planned {
		s += "（按计划投资额预估）"
	}
	return s
}

// baseName is what a benefit is computed from, for a question.
func baseName(b *policies.BenefitTerms) string {
	switch b.Kind {
	case policies.BenefitStep:
		return "较上年增量（" + b.Per.Unit + "）"
	case policies.BenefitPerUnit:
		return "数量（" + b.Base + "）"
	}
	return b.Base
}

func stepsPhrase(steps []policies.StepTerm) string {
	var ss []string
	for _, s := range steps {
		ss = append(ss, s.Threshold.Value.String()+"→"+s.Amount.String())
	}
	return "分档：" + strings.Join(ss, "，")
}

// designationQuestion asks whether the company holds the designation a
// clause requires.
func designationQuestion(pv *provision) string {
	verb := "是否"
	if loc := designationVerbRE.FindStringSubmatch(pv.c.Subject); loc != nil {
		verb = "是否" + loc[1]
	}
	if pv.first && !strings.Contains(verb, "新") && !strings.Contains(verb, "首次") {
		verb = "是否新" + strings.TrimPrefix(verb, "是否")
	}
	return verb + pv.desText + "？"
}

// claimIn reports whether one of the claims is in text (a ticket count's
// 演唱会 in 演唱会、音乐节等大型营业性演出).
func claimIn(text string, claims []string) bool {
	t := norm.Fold(text)
	for _, c := range claims {
		if c != "" && strings.Contains(t, norm.Fold(c)) {
			return true
		}
	}
	return false
}

// statementMatches reports whether a statement of the company's (a trait)
// says a condition: one holds the other, or most of its words are in it.
func statementMatches(statement, condition string) bool {
	s, c := norm.Fold(statement), norm.Fold(condition)
	if s == "" || c == "" {
		return false
	}
	return strings.Contains(c, s) || strings.Contains(s, c) || len([]rune(s)) >= 3 && bigramShare(s, c) >= 0.6
}

func (m *matcher) traitMatches(q string) bool {
	for _, t := range m.p.Traits {
		if statementMatches(t, q) && covers(t, norm.Fold(q)) {
			return true
		}
	}
	return false
}

// checkQualifier decides a qualifying condition of the subject
// (新引进或增资扩产的重大制造业项目): denied by Profile.Not, confirmed by a
// trait, or by what a figure of the clause implies (a booth fee: 参加境外
// 展会) unless it asks for more than a figure says (新引进, 重大).
func (m *matcher) checkQualifier(q string, e *evaluation) {
	for _, n := range m.p.Not {
		if statementMatches(n, q) {
			e.fail(fmt.Sprintf("本条要求“%s”，贵企业表示不是“%s”", q, n))
			return
		}
	}
	if m.traitMatches(q) {
		return
	}
	fq := norm.Fold(q)
	for _, c := range e.claims {
		if fc := norm.Fold(c); strings.Contains(fq, fc) && covers(fc, fq) {
			return
		}
	}
	e.unknown("是否属于：" + q + "？")
}

// checkCategory applies the measure's field: a measure for manufacturing
// companies does not apply to a company of another field, unless what
// touched the clause (a figure of the field, the designation) says the
// company is in it too.
func (m *matcher) checkCategory(pv *provision, des *Designation, e *evaluation) {
	dc := pv.doc.scope.Category
	pc := m.p.Category
	if pc == "" || pc == dc || slices.Contains(e.cats, dc) || !fieldCategory(dc) || !fieldCategory(pc) {
		return
	}
	if des != nil && !m.generic[des.Name] {
		return // a title of the other field's (a 4A景区): the company is in it too
	}
	for _, t := range m.p.Traits {
		if pv.doc.scopeText != "" && statementMatches(t, pv.doc.scopeText) {
			return
		}
	}
	scope := pv.doc.scopeText
	if scope == "" {
		scope = categoryNames[dc] + "领域的企业"
	}
	e.fail(fmt.Sprintf("本措施的适用对象：%s；贵企业所填行业为%s", strings.TrimSuffix(scope, "。"), categoryNames[pc]))
}

func fieldCategory(c policies.Category) bool {
	return c == policies.Manufacturing || c == policies.Commerce || c == policies.CultureSportsTourism
}

var categoryNames = map[policies.Category]string{
	policies.Manufacturing: "制造业", policies.Commerce: "商务（商贸、外贸、电商）", policies.CultureSportsTourism: "文体旅",
	policies.Other: "其他", policies.News: "新闻",
}

// quoteProvision quotes the clause with the clauses of its article that
// qualify it (conditions, stacking rules, exclusions), with "……" where
// others are left out.
func quoteProvision(pv *provision) string {
	a := &article{hit: retrieval.Hit{Chunk: retrieval.Chunk{Text: pv.art.text}}, clauses: pv.art.clauses}
	sel := selection{}
	for i, c := range pv.art.clauses {
		switch {
		case i == pv.ci:
		case c.Kind == policies.ClauseCondition, c.Kind == policies.ClauseStacking, c.Kind == policies.ClauseExclusion:
		case c.Lead && len(c.Thresholds) > 0:
		default:
			continue
		}
		sel.clauses = append(sel.clauses, i)
	}
	return quoteOf(a, sel, understood{})
}

// applyStacking applies the stacking rules across the matches: of an
// article's benefits paid once (最高一项, 不重复享受) and of the steps of one
// figure only the highest counts; one project is paid by the highest
// measure it qualifies for when a measure says 就高不重复.
func applyStacking(ms []Match, cat *catalog) {
	type key struct {
		doc     string
		article int
		subject int
	}
	jiuGao := map[string]bool{}
	highestOnly := map[key]bool{}
	for _, d := range cat.docs {
		if d.jiuGao {
			jiuGao[d.scope.ID] = true
		}
		for _, a := range d.articles {
			if a.highestOnly {
				highestOnly[key{d.scope.ID, a.number, 0}] = true
			}
		}
	}
	best := func(idx []int) int {
		b := -1
		for _, i := range idx {
			if b < 0 || ms[i].Estimate > ms[b].Estimate {
				b = i
			}
		}
		return b
	}
	// Within an article.
	groups := map[key][]int{}
	var order []key
	for i, m := range ms {
		if !m.Counted {
			continue
		}
		k := key{m.Doc, m.Article, m.subject}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	for _, k := range order {
		idx := groups[k]
		if len(idx) < 2 {
			continue
		}
		once := highestOnly[key{k.doc, k.article, 0}]
		// Steps of one figure (首次突破1亿美元 / 5亿美元): the highest reached.
		byFact := map[string][]int{}
		for _, i := range idx {
			if once {
				byFact[""] = append(byFact[""], i)
			} else if ms[i].fact != "" {
				byFact[ms[i].fact] = append(byFact[ms[i].fact], i)
			}
		}
		for _, g := range byFact {
			if len(g) < 2 {
				continue
			}
			b := best(g)
			for _, i := range g {
				if i == b {
					continue
				}
				ms[i].Counted = false
				if once {
					ms[i].StackNote = fmt.Sprintf("同一条款的奖励按最高一项给予、不重复享受：按%s“%s”计", ms[b].Label, ms[b].Subject)
				} else {
					ms[i].StackNote = fmt.Sprintf("同一指标按达到的最高一档计：按“%s”计", ms[b].Subject)
				}
			}
		}
	}
	// 就高不重复: one project, several measures.
	byProject := map[int][]int{}
	for i, m := range ms {
		if m.Counted && m.project >= 0 {
			byProject[m.project] = append(byProject[m.project], i)
		}
	}
	for _, g := range byProject {
		if len(g) < 2 {
			continue
		}
		rule := false
		for _, i := range g {
			rule = rule || jiuGao[ms[i].Doc]
		}
		if !rule {
			continue
		}
		b := best(g)
		for _, i := range g {
			if i != b {
				ms[i].Counted = false
				ms[i].StackNote = fmt.Sprintf("同一项目符合多项政策，按“就高不重复”原则：按《%s》%s计", ms[b].Title, ms[b].Label)
			}
		}
	}
}
