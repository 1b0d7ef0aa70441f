package bot

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"

	"policybot/policies"
	"policybot/policies/amount"
	"policybot/policies/norm"
	"policybot/retrieval"
	"policybot/retrieval/query"
)

// The matcher's catalogue: every benefit clause of the corpus read once
// into what it requires (a designation and its tier, thresholds, a base
// figure, qualifying conditions), kept until the index changes.

// errNoCatalog is returned when the bot's index cannot list its chunks.
var errNoCatalog = errors.New("policy matching needs the retrieval index (retrieval.Index or retrieval.Live)")

// catalog is the corpus as the matcher reads it.
type catalog struct {
	docs []*catalogDoc
}

// catalogDoc is one document: its scope and, parsed on first use, its
// provisions.
type catalogDoc struct {
	scope  retrieval.DocScope
	sample bool
	// articles holds the chunks' texts by article, in order.
	articles []*catalogArticle

	once sync.Once
	// provisions are its benefit clauses; exclusions and scopeText its
	// 不享受 clauses and its 适用于 article; topUp/jiuGao say whether it
	// has a 就高不重复 rule.
	provisions []*provision
	exclusions []citedClause
	scopeText  string
	jiuGao     bool
	deadlines  map[int]string
	general    string
}

// catalogArticle is one article of a document.
type catalogArticle struct {
	number     int
	label      string
	department string
	text       string
	clauses    []policies.Clause
	// highestOnly: the article pays one of its benefits a year (按其中最高一项,
	// 不重复享受, 只能享受…一项).
	highestOnly bool
	topsUp      bool
}

// citedClause is a clause with where it is.
type citedClause struct {
	doc, label, text string
	article          int
}

// provision is one benefit clause and what it requires.
type provision struct {
	doc *catalogDoc
	art *catalogArticle
	ci  int
	c   policies.Clause
	// des is the designation the clause requires, as it writes it
	// (国家级专精特新“小巨人”企业), folded; "" for none. desTerms are the
	// domain terms the rewriter reads in it.
	des      string
	desText  string
	desTerms []string
	tier     string
	// atLeast: the tier is a floor (市级以上).
	atLeast bool
	// first: the designation must be new (首次认定, 新获评).
	first bool
	// thresholds are the clause's and those the article states for all
	// its benefits.
	thresholds []policies.Threshold
	// qualifiers are the other conditions of the subject, as written
	// (新引进或增资扩产的重大制造业项目).
	qualifiers []string
	// quantities are the keys of the figures the clause reads (thresholds
	// and base), for skipping it quickly.
	quantities []string
}

// catalogIndex returns the index to read the catalogue from: the bot's
// own, or the one live now.
func (b *Bot) catalogIndex() (*retrieval.Index, error) {
	switch ix := b.cfg.Index.(type) {
	case *retrieval.Index:
		return ix, nil
	case interface{ Current() *retrieval.Index }:
		if cur := ix.Current(); cur != nil {
			return cur, nil
		}
		return nil, retrieval.ErrNotReady
	}
	return nil, errNoCatalog
}

// catalogCache keeps the catalogue of one version of one index.
type catalogCache struct {
	mu      sync.Mutex
	ix      *retrieval.Index
	version uint64
	cat     *catalog
}

// catalog returns the catalogue of the bot's index as it is now.
func (b *Bot) catalog() (*catalog, error) {
	ix, err := b.catalogIndex()
	if err != nil {
		return nil, err
	}
	cc := &b.matchCache
	v := ix.Version()
	cc.mu.Lock()
	if cc.ix == ix && cc.version == v && cc.cat != nil {
		cat := cc.cat
		cc.mu.Unlock()
		return cat, nil
	}
	cc.mu.Unlock()
	cat := buildCatalog(ix.Chunks(), ix.Scopes())
	if ix.Version() == v {
		// Not kept when an update came between: the next call reads again.
		cc.mu.Lock()
		cc.ix, cc.version, cc.cat = ix, v, cat
		cc.mu.Unlock()
	}
	return cat, nil
}

// buildCatalog groups the chunks by document and article. Provisions are
// parsed when a document is first matched against.
func buildCatalog(chunks []retrieval.Chunk, scopes []retrieval.DocScope) *catalog {
	byID := map[string]*catalogDoc{}
	cat := &catalog{}
	for _, s := range scopes {
		d := &catalogDoc{scope: s}
		byID[s.ID] = d
		cat.docs = append(cat.docs, d)
	}
	for _, c := range chunks {
		d := byID[c.DocID]
		if d == nil {
			continue
		}
		d.sample = c.Sample
		n := len(d.articles)
		if n > 0 && d.articles[n-1].number == c.Article {
			d.articles[n-1].text += c.Text
			continue
		}
		d.articles = append(d.articles, &catalogArticle{number: c.Article, label: c.Label, department: c.Department, text: c.Text})
	}
	return cat
}

var (
	highestOnlyRE = regexp.MustCompile(`最高一项|不重复享受|只能享受.{0,12}一项|按就高原则.{0,6}一次|就高.{0,4}不重复`)
	jiuGaoRE      = regexp.MustCompile(`就高不重复|就高原则|按就高|不重复享受`)
	// leadPhraseRE: a part of a subject that says what a measure supports,
	// not who qualifies (支持服务外包和数字贸易发展, 发展首店经济).
	leadPhraseRE = regexp.MustCompile(`^(支持|发展|鼓励|推动|促进|加快|加强|对)`)
	// firstRE: the designation must be new.
	firstRE = regexp.MustCompile(`首次|新认定|新获评|新评定|新评为|新获|新评|新入选|新列入|新纳入`)
	// kindTailRE: a prefix before the designation verb that names the kind
	// of company (文化企业首次纳入…, 批发、零售…企业首次纳入…).
	kindTailRE = regexp.MustCompile(`(企业|旅行社|机构|品牌|主体|公司|主办方)$`)
	kindTrimRE = regexp.MustCompile(`(首次|新|被|在吴中区|在[^，]{1,6}区)+$`)
	// abbreviatedRE: a subject that starts with the verb or the threshold.
	abbreviatedRE = regexp.MustCompile(`^(开设|举办|新获评|新认定|新评定|首次|获得|认定)`)
	// itemPrefixRE is an item label before a clause: （一）.
	itemPrefixRE = regexp.MustCompile(`^[（(][一二三四五六七八九十]+[）)]`)
)

// parse reads the document's provisions, once.
func (d *catalogDoc) parse() {
	d.once.Do(func() {
		d.deadlines = map[int]string{}
		for _, a := range d.articles {
			a.clauses = policies.ParseProvisions(a.text)
			for _, c := range a.clauses {
				switch c.Kind {
				case policies.ClauseStacking:
					if highestOnlyRE.MatchString(c.Text) && !strings.Contains(c.Text, "本措施和") && !strings.Contains(c.Text, "多项政策") {
						a.highestOnly = true
					}
					if jiuGaoRE.MatchString(c.Text) {
						d.jiuGao = true
					}
				case policies.ClauseExclusion:
					d.exclusions = append(d.exclusions, citedClause{doc: d.scope.ID, article: a.number, label: a.label, text: c.Text})
				case policies.ClauseScope:
					if d.scopeText == "" {
						d.scopeText = c.Text
					}
				}
				if strings.Contains(c.Text, "补足差额") {
					a.topsUp = true
				}
			}
			var shared []policies.Threshold
			for _, c := range a.clauses {
				if c.Lead || c.Kind == policies.ClauseCondition {
					shared = append(shared, c.Thresholds...)
				}
			}
			var first *provision
			for i, c := range a.clauses {
				if c.Kind != policies.ClauseBenefit || c.Benefit == nil {
					continue
				}
				pv := newProvision(d, a, i, c, shared)
				// A sibling that leaves out who it is for (…开设中国内地首店的，
				// 奖励50万元；开设华东地区首店的…) is for the same kind of company.
				if first != nil && len(pv.qualifiers) == 0 && abbreviatedRE.MatchString(pv.c.Subject) {
					pv.qualifiers = first.qualifiers
				}
				if first == nil {
					first = pv
				}
				d.provisions = append(d.provisions, pv)
			}
		}
		d.readDeadlines()
	})
}

// newProvision reads what a benefit clause requires.
func newProvision(d *catalogDoc, a *catalogArticle, i int, c policies.Clause, shared []policies.Threshold) *provision {
	p := &provision{doc: d, art: a, ci: i, c: c, tier: c.Tier}
	p.thresholds = append(append([]policies.Threshold{}, shared...), c.Thresholds...)
	subject := c.Subject
	if subject == "" {
		subject = strings.TrimSpace(itemPrefixRE.ReplaceAllString(c.Text, ""))
	}
	for _, part := range splitParts(subject) {
		if hasFigure(part) {
			continue // a threshold: read as one
		}
		if loc := designationVerbRE.FindStringSubmatchIndex(part); loc != nil && loc[1] < len(part) {
			p.desText = strings.TrimPrefix(part[loc[1]:], "的")
			p.des = norm.Fold(p.desText)
			p.first = firstRE.MatchString(part)
			if prefix := kindTrimRE.ReplaceAllString(part[:loc[2]], ""); kindTailRE.MatchString(prefix) && !leadPhraseRE.MatchString(prefix) {
				p.qualifiers = append(p.qualifiers, prefix)
			}
			continue
		}
		if leadPhraseRE.MatchString(part) {
			continue
		}
		p.qualifiers = append(p.qualifiers, strings.TrimSuffix(part, "的"))
	}
	if p.des != "" {
		p.desTerms = foldTerms(p.des)
		if p.tier != "" && strings.Contains(p.des, p.tier+"以上") {
			p.atLeast = true
		}
	}
	for _, t := range p.thresholds {
		if q := linkQuantity(t.Quantity, c.Text, t.Value.Unit); q != nil {
			p.quantities = appendUnique(p.quantities, q.Key)
		}
	}
	if b := c.Benefit; b != nil {
		switch b.Kind {
		case policies.BenefitRate:
			if q := linkQuantity(b.Base, c.Text, ""); q != nil {
				p.quantities = appendUnique(p.quantities, q.Key)
			}
		case policies.BenefitPerUnit:
			if q := linkQuantity(b.Base, c.Text, unitOfBase(b.Base)); q != nil {
				p.quantities = appendUnique(p.quantities, q.Key)
			}
		case policies.BenefitStep:
			if q := linkQuantity("增量", c.Text, b.Per.Unit); q != nil {
				p.quantities = appendUnique(p.quantities, q.Key)
			}
		case policies.BenefitSteps:
			if len(b.Steps) > 0 {
				t := b.Steps[0].Threshold
				if q := linkQuantity(t.Quantity, c.Text, t.Value.Unit); q != nil {
					p.quantities = appendUnique(p.quantities, q.Key)
				}
			}
		}
	}
	return p
}

// splitParts cuts a subject at its commas outside parentheses.
func splitParts(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '（', '(':
			depth++
		case '）', ')':
			if depth > 0 {
				depth--
			}
		case '，', ',', '；':
			if depth == 0 {
				if p := strings.TrimSpace(s[start:i]); p != "" {
					out = append(out, p)
				}
				start = i + len(string(r))
			}
		}
	}
	if p := strings.TrimSpace(s[start:]); p != "" {
		out = append(out, p)
	}
	return out
}

// hasFigure reports a part with an amount, a quantity or a rate in it (a
// threshold), not a bare number such as 3+2+N's.
func hasFigure(s string) bool {
	for _, a := range amount.Scan(norm.Fold(s)) {
		if a.Kind == amount.Money || a.Kind == amount.Quantity || a.Kind == amount.Percent {
			return true
		}
	}
	return false
}

// foldTerms returns the domain terms the default rewriter reads in s,
// folded.
func foldTerms(s string) []string {
	var out []string
	for _, t := range query.Default().Rewrite(s).Terms {
		out = appendUnique(out, norm.Fold(t))
	}
	return out
}

// linkQuantity returns the quantity of Profile.Figures a clause's words
// measure (a threshold's quantity or a base), in unit (any money unit when
// unit is ""): by the words themselves, else, for generic words (投入), by
// the rest of the clause. nil when none fits.
func linkQuantity(words, clauseText, unit string) *Quantity {
	words = norm.Fold(words)
	fits := func(q *Quantity) bool {
		if unit == "" {
			return q.Unit == "元" || q.Unit == "美元"
		}
		return q.Unit == unit
	}
	if words != "" {
		for _, q := range Quantities {
			if fits(q) && q.clause.MatchString(words) {
				return q
			}
		}
	}
	text := norm.Fold(clauseText)
	for _, q := range Quantities {
		if fits(q) && q.context != nil && q.context.MatchString(text) {
			return q
		}
	}
	// An amount per 张 or per 人次: the one quantity counted in that unit.
	var only *Quantity
	for _, q := range Quantities {
		if unit != "" && q.Unit == unit {
			if only != nil {
				return nil
			}
			only = q
		}
	}
	if only != nil && only.Unit != "元" && only.Unit != "美元" {
		return only
	}
	return nil
}

// ordinalRE finds 第六条 in a procedure clause.
var ordinalRE = regexp.MustCompile(`第[一二三四五六七八九十百0-9]+条`)

// readDeadlines reads when each article's benefits are applied for: the
// procedure clauses, a part naming articles (本措施第六条、第七条所列奖励在
// 活动结束后3个月内申报) for those, a part for 其余事项 and the rest for all.
func (d *catalogDoc) readDeadlines() {
	var general []string
	named := map[int][]string{}
	var rest []string
	for _, a := range d.articles {
		for _, c := range a.clauses {
			if c.Kind != policies.ClauseProcedure {
				continue
			}
			for _, part := range splitParts(strings.TrimRight(c.Text, "。；;")) {
				var nums []int
				for _, m := range ordinalRE.FindAllString(part, -1) {
					if n, err := amount.ParseNumeral(strings.TrimSuffix(strings.TrimPrefix(m, "第"), "条")); err == nil {
						nums = append(nums, n)
					}
				}
				switch {
				case len(nums) > 0:
					for _, n := range nums {
						named[n] = append(named[n], part)
					}
				case strings.Contains(part, "其余"):
					rest = append(rest, part)
				default:
					general = append(general, part)
				}
			}
		}
	}
	to := ""
	if !d.scope.EffectiveTo.IsZero() {
		to = "（本措施有效期至" + d.scope.EffectiveTo.String() + "）"
	}
	d.general = joinParts(append(slices.Clone(rest), general...)) + to
	for _, a := range d.articles {
		if ps, ok := named[a.number]; ok {
			d.deadlines[a.number] = joinParts(append(slices.Clone(ps), general...)) + to
		}
	}
}

func joinParts(ps []string) string {
	if len(ps) == 0 {
		return ""
	}
	return strings.Join(ps, "，") + "。"
}

// deadline is when article n's benefits are applied for.
func (d *catalogDoc) deadline(n int) string {
	if s, ok := d.deadlines[n]; ok {
		return s
	}
	return d.general
}
