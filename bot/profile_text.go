package bot

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"policybot/policies"
	"policybot/policies/amount"
)

// Reading a company's description into a Profile ("我们是吴中一家做精密零部件
// 的规上企业，去年营收8亿，今年设备投了3000万，刚评上省级专精特新"), with the
// question understanding of the answers (understand: folding, the figures
// with the project's one amount reader, tiers and former tiers) and the
// designations of the corpus, so that a title of a measure an official
// uploaded is recognised too.

// ReadProfile reads a company's description into a profile, as Match does
// with MatchRequest.Text: what the company can check and correct.
func (b *Bot) ReadProfile(text string) (Profile, error) {
	cat, err := b.catalog()
	if err != nil {
		return Profile{}, err
	}
	p := b.readProfile(cat, text, b.cfg.Now())
	return p, p.Check()
}

var (
	categoryWords = []struct {
		re  *regexp.Regexp
		cat policies.Category
	}{
		{regexp.MustCompile(`制造|工厂|厂|零部件|生产|加工|机械|装备|电子|材料|汽配|注塑|模具|芯片|半导体|化工|纺织|机器人|工业`), policies.Manufacturing},
		{regexp.MustCompile(`外贸|进出口|贸易|跨境|电商|零售|批发|商贸|餐饮|超市|商场|门店|首店|直播|品牌店`), policies.Commerce},
		{regexp.MustCompile(`景区|酒店|饭店|民宿|旅行社|文旅|文化|演出|演唱会|音乐节|赛事|体育|旅游|剧场|非遗|老字号`), policies.CultureSportsTourism},
	}
	industryRE = regexp.MustCompile(`(?:做|搞|生产|从事|经营)([^，,。；;的]{2,12})的`)

	// traitWords are statements the measures' conditions use, as
	// companies say them.
	traitWords = []struct {
		re    *regexp.Regexp
		trait string
	}{
		{regexp.MustCompile(`规上|规模以上`), "规上企业"},
		{regexp.MustCompile(`限上|限额以上`), "限上企业"},
		{regexp.MustCompile(`链主`), "链主企业"},
		{regexp.MustCompile(`新引进|新落户|刚落户|新设立|新注册|引进的`), "新引进"},
		{regexp.MustCompile(`增资|扩产|扩建|扩能`), "增资扩产"},
		{regexp.MustCompile(`重大项目|重点项目`), "重大项目"},
		{regexp.MustCompile(`旅行社`), "旅行社"},
		{regexp.MustCompile(`外资企业|外商投资|外资`), "外资企业"},
		{regexp.MustCompile(`知名品牌|国际品牌|大牌`), "知名品牌"},
		{regexp.MustCompile(`头部`), "头部企业"},
		{regexp.MustCompile(`外贸企业|外贸公司|做外贸`), "外贸企业"},
		{regexp.MustCompile(`跨境电商`), "跨境电商企业"},
		{regexp.MustCompile(`批发|零售|住宿|餐饮`), "批发、零售、住宿、餐饮企业"},
		{regexp.MustCompile(`文化企业|文化公司|文创`), "文化企业"},
	}
	negationRE = regexp.MustCompile(`(不是|并非|非|没有|没|不属于|不算)$`)

	// designationAliases are designations as companies name them, with the
	// tier the name implies.
	designationAliases = []struct {
		re   *regexp.Regexp
		name string
		tier string
	}{
		{regexp.MustCompile(`小巨人`), "专精特新", "国家级"},
		{regexp.MustCompile(`专精特新`), "专精特新", ""},
		{regexp.MustCompile(`高新技术企业|高企|高新企业`), "高新技术企业", "国家级"},
		{regexp.MustCompile(`绿色工厂`), "绿色工厂", ""},
		{regexp.MustCompile(`智能制造示范工厂|示范工厂|智能工厂`), "智能制造示范工厂", ""},
		{regexp.MustCompile(`智能制造示范车间|示范智能车间|示范车间|智能车间`), "智能制造示范车间", ""},
		{regexp.MustCompile(`企业技术中心|技术中心`), "企业技术中心", ""},
		{regexp.MustCompile(`首台套|首台\(套\)|首台（套）`), "首台（套）重大装备", ""},
		{regexp.MustCompile(`中国质量奖`), "中国质量奖", "国家级"},
		{regexp.MustCompile(`省长质量奖`), "省长质量奖", "省级"},
		{regexp.MustCompile(`市长质量奖`), "市长质量奖", "市级"},
		{regexp.MustCompile(`(5a|aaaaa|五a)级?(旅游)?景区`), "旅游景区", "5A"},
		{regexp.MustCompile(`(4a|aaaa|四a)级?(旅游)?景区`), "旅游景区", "4A"},
		{regexp.MustCompile(`(3a|aaa|三a)级?(旅游)?景区`), "旅游景区", "3A"},
		{regexp.MustCompile(`(五星|5星)级?(旅游)?(酒店|饭店|宾馆)`), "旅游饭店", "五星级"},
		{regexp.MustCompile(`(四星|4星)级?(旅游)?(酒店|饭店|宾馆)`), "旅游饭店", "四星级"},
		{regexp.MustCompile(`甲级(旅游)?民宿|甲等民宿|金宿`), "旅游民宿", "甲级"},
		{regexp.MustCompile(`乙级(旅游)?民宿|乙等民宿|银宿`), "旅游民宿", "乙级"},
		{regexp.MustCompile(`夜间文化和旅游消费集聚区|夜间文旅消费集聚区|夜间消费集聚区`), "夜间文化和旅游消费集聚区", ""},
		{regexp.MustCompile(`中华老字号`), "中华老字号", "国家级"},
		{regexp.MustCompile(`江苏老字号`), "江苏老字号", "省级"},
		{regexp.MustCompile(`非遗工坊|非物质文化遗产工坊`), "非遗工坊", ""},
		{regexp.MustCompile(`跨国公司地区总部|地区总部|功能性机构`), "跨国公司地区总部", ""},
		{regexp.MustCompile(`总部企业`), "总部企业", ""},
		{regexp.MustCompile(`(中国内地|内地|全国|中国)首店`), "首店", "国家级"},
		{regexp.MustCompile(`华东(地区)?首店`), "首店", "华东"},
		{regexp.MustCompile(`苏州(市)?首店`), "首店", "市级"},
		{regexp.MustCompile(`直播电商基地`), "直播电商基地", ""},
		{regexp.MustCompile(`小升规|升规|新进规|首次入规|纳入规上|规上企业|规模以上企业|规上`), "规模以上", ""},
		{regexp.MustCompile(`小升限|升限|首次入限|纳入限上|限上企业|限额以上企业|限上`), "限额以上", ""},
	}
	// newRE before a designation: obtained in the year applied for.
	newRE = regexp.MustCompile(`刚|新|今年|首次|第一次|头一回|最近|上个月|这个月|去年底|年初`)
	// designationVerbSentRE: a designation the company got (评上了省级专精特新).
	designationVerbSentRE = regexp.MustCompile(`(?:评上了?|评为|被评为|获评|认定为|认定了|拿到了?|获得了?|入选了?|升为|升到|升级为|晋级为?|评定为)([^，,。；;？?！!]{2,20})`)
	bareTitleRE           = regexp.MustCompile(`(景区|酒店|饭店|宾馆|民宿)`)
	gotVerbRE             = regexp.MustCompile(`评上|评定|认定|拿到|获评|评的|批下来|挂牌`)
	// genericFigureWordsRE: words that do not say what a figure is (总投入,
	// 今年做到): the clause before says.
	genericFigureWordsRE = regexp.MustCompile(`做到|做了|达到|实现|今年|去年|明年|前年|总共|一共|总|投入|投资|金额|大概|大约|约|差不多|合计|共|花费|花|费用|的|是|了|\s`)
	thresholdMentionRE   = regexp.MustCompile(`(第一次|首次|头一回|头一次)(过|突破|超过|破|达到)了?$`)
	dollarRE             = regexp.MustCompile(`美元|美金|usd|\$|dollar`)
	amountFreeRE         = regexp.MustCompile(`[0-9.]+(万|亿)?(平方米|平米|平|张|人次|美元|元)?`)
	timeWordsRE          = regexp.MustCompile(`^(今年|去年|明年|前年|上半年|下半年|年初|年底)`)
	plannedRE            = regexp.MustCompile(`计划|准备|打算|预计|将要|拟|要投|明年`)
	previousRE           = regexp.MustCompile(`去年|上年|上一年|前年|2024年|以前|之前`)
	performanceRE        = regexp.MustCompile(`演唱会|音乐节|演出|音乐会|话剧|livehouse|演艺`)
	sportsRE             = regexp.MustCompile(`赛事|比赛|马拉松|锦标赛|联赛|公开赛|自行车赛|[^观]赛`)
	// figureVerbRE are the verbs and fillers between a figure's words and
	// the figure (设备投了3000万: 投了).
	figureVerbRE = regexp.MustCompile(`(投了|投入了?|投资了?|花了|做了|达到了?|有|是|约|大概|差不多|共|一共|总共|累计|实现|完成|超过|突破|卖了|售出|接待了?|带了|带来了?|交了|缴了|付了|[:：了约])+$`)
)

// readProfile reads text into a profile; the designations of cat that
// apply on asOf are recognised too.
func (b *Bot) readProfile(cat *catalog, text string, asOf time.Time) Profile {
	rw := b.cfg.Rewriter.Rewrite(text)
	q := understand(rw)
	s := q.norm
	var p Profile
	regs := policies.DefaultRegions()
	for _, m := range regs.Find(s) {
		if m.Tier || m.Ambiguous && !strings.HasSuffix(s[:m.Start], "在") {
			continue
		}
		p.Region = m.Region
		break
	}
	best := 0
	for _, cw := range categoryWords {
		if n := len(cw.re.FindAllStringIndex(s, -1)); n > best {
			best, p.Category = n, cw.cat
		}
	}
	if m := industryRE.FindStringSubmatch(s); m != nil {
		p.Industry = m[1]
	}
	for _, tw := range traitWords {
		for _, loc := range tw.re.FindAllStringIndex(s, -1) {
			if negationRE.MatchString(tailRunes(s[:loc[0]], 4)) {
				p.Not = appendUnique(p.Not, tw.trait)
			} else if !slices.Contains(p.Not, tw.trait) {
				p.Traits = appendUnique(p.Traits, tw.trait)
			}
		}
	}
	p.Designations = readDesignations(q, cat, regs, p.Region, b.cfg.HomeRegion, asOf)
	readFigures(q, &p)
	return p
}

// tailRunes returns the last n runes of s.
func tailRunes(s string, n int) string {
	rs := []rune(s)
	if len(rs) > n {
		rs = rs[len(rs)-n:]
	}
	return string(rs)
}

// clauseAround returns the byte span of the clause of s (between
// punctuation) that holds position i.
func clauseAround(s string, i int) (int, int) {
	start := strings.LastIndexAny(s[:i], "，,。；;？?！!") + 1
	end := strings.IndexAny(s[i:], "，,。；;？?！!")
	if end < 0 {
		return start, len(s)
	}
	return start, i + end
}

// bareTitles are the titles a tier alone completes (景区 … 评上4A).
var bareTitles = map[string]string{"景区": "旅游景区", "酒店": "旅游饭店", "饭店": "旅游饭店", "宾馆": "旅游饭店", "民宿": "旅游民宿"}

// readDesignations finds the designations the company holds: the aliases
// companies use, the designations of the measures that apply (uploaded
// ones too), and any title after a verb of getting one (评上了X).
func readDesignations(q understood, cat *catalog, regs *policies.Regions, region, home string, asOf time.Time) []Designation {
	s := q.norm
	var out []Designation
	covered := [][2]int{}
	add := func(name, tier string, start, end int) {
		for _, c := range covered {
			if start < c[1] && c[0] < end {
				return // inside a designation found already
			}
		}
		covered = append(covered, [2]int{start, end})
		cs, ce := clauseAround(s, start)
		clause := s[cs:ce]
		d := Designation{Name: name, Tier: tier}
		if d.Tier == "" {
			d.Tier = tierNear(q, cs, ce, start)
		}
		if f := formerTierNear(q, cs, ce); f != "" && f != d.Tier && tierFamily(f) == tierFamily(d.Tier) {
			d.FormerTier = f
		}
		if newRE.MatchString(s[cs:start]) || newRE.MatchString(s[end:ce]) && gotVerbRE.MatchString(s[end:ce]) {
			d.New = boolPtr(true)
		} else if ce < len(s) {
			// 我们是四星级酒店，今年刚评上: said in the clause after.
			_, n := utf8.DecodeRuneInString(s[ce:])
			ns, ne := clauseAround(s, min(ce+n, len(s)))
			if next := s[ns:ne]; newRE.MatchString(next) && gotVerbRE.MatchString(next) {
				d.New = boolPtr(true)
			}
		}
		for _, a := range amount.Scan(clause) {
			if a.Kind == amount.Date && a.Year > 0 {
				d.Year = a.Year
			}
		}
		if slices.ContainsFunc(out, func(e Designation) bool { return e.Name == d.Name && e.Tier == d.Tier }) {
			return
		}
		out = append(out, d)
	}
	for _, a := range designationAliases {
		for _, loc := range a.re.FindAllStringIndex(s, -1) {
			if negationRE.MatchString(tailRunes(s[:loc[0]], 4)) {
				continue
			}
			add(a.name, a.tier, loc[0], loc[1])
		}
	}
	// Designations of the measures that apply: what officials uploaded.
	if region == "" {
		region = home
	}
	for _, d := range cat.docs {
		if !d.applies(regs, region, asOf) {
			continue
		}
		d.parse()
		for _, pv := range d.provisions {
			core := designationCore(pv.des)
			if utf8.RuneCountInString(core) < 3 {
				continue
			}
			if i := strings.Index(s, core); i >= 0 {
				add(core, "", i, i+len(core))
			}
		}
	}
	for _, m := range designationVerbSentRE.FindAllStringSubmatchIndex(s, -1) {
		name := s[m[2]:m[3]]
		if hasFigure(name) {
			continue
		}
		tier := policies.TierOf(strings.ToUpper(name))
		core := designationCore(name)
		if core == "" && tier != "" {
			// 我们景区今年刚评上4A: the tier alone, the title named before it.
			cs, _ := clauseAround(s, m[0])
			if loc := bareTitleRE.FindStringSubmatch(s[cs:m[0]]); loc != nil {
				core = bareTitles[loc[1]]
			}
		}
		if core != "" {
			add(core, tier, m[2], m[3])
		}
	}
	return out
}

// formerTierNear returns the company's former tier (原来是省级) named in the
// clause [cs, ce) or the one before it; "" when none is.
func formerTierNear(q understood, cs, ce int) string {
	from := 0
	if cs > 0 {
		_, n := utf8.DecodeLastRuneInString(q.norm[:cs])
		from, _ = clauseAround(q.norm, cs-n)
	}
	for _, t := range q.tiers {
		if t.past && !t.not && t.pos >= from && t.pos < ce {
			return t.tier
		}
	}
	return ""
}

// tierFamily tells the kinds of tier apart: levels of government, A grades,
// stars, 甲/乙.
func tierFamily(t string) string {
	switch t {
	case "国际级", "国家级", "省级", "市级", "区级", "华东":
		return "level"
	case "5A", "4A", "3A":
		return "a"
	case "五星级", "四星级", "三星级":
		return "star"
	case "甲级", "乙级":
		return "grade"
	}
	return t
}

// tierNear returns the tier named in the clause [cs, ce) of the question
// closest before position at (after it when none is before); "" when the
// clause names none.
func tierNear(q understood, cs, ce, at int) string {
	best, dist := "", -1
	for _, t := range q.tiers {
		if t.pos < cs || t.pos >= ce || t.not || t.past {
			continue
		}
		d := at - t.pos
		if d < 0 {
			d = -d + 100 // after: only when none is before
		}
		if dist < 0 || d < dist {
			best, dist = t.tier, d
		}
	}
	return best
}

// readFigures reads the company's figures: each amount of the text goes
// to the quantity whose words come just before it (营收8亿 → revenue,
// 设备投了3000万 → an equipment project), or, named by those words, to
// OtherFigures; tickets and a level go to the event the text names.
func readFigures(q understood, p *Profile) {
	s := q.norm
	type seen struct {
		value    float64
		previous bool
	}
	got := map[string][]seen{}
	var event *Event
	if loc := performanceRE.FindStringIndex(s); loc != nil {
		event = &Event{Kind: "performance", Name: s[loc[0]:loc[1]]}
	} else if loc := sportsRE.FindStringIndex(s); loc != nil {
		event = &Event{Kind: "sports", Name: strings.TrimSpace(s[loc[0]:loc[1]])}
		cs, ce := clauseAround(s, loc[0])
		event.Tier = tierNear(q, cs, ce, loc[0])
	}
	prevEnd := 0
	for _, f := range q.facts {
		if f.Vague || f.Kind == amount.Percent {
			continue
		}
		cs, _ := clauseAround(s, f.Start)
		// The figure's own words: from the figure before it in the clause
		// (or the clause's start) to it.
		segStart := max(cs, prevEnd)
		prevEnd = f.End
		seg := s[segStart:f.Start]
		if thresholdMentionRE.MatchString(seg) {
			continue // 第一次过10亿: the step, not a figure of the company's
		}
		unit := f.Unit
		if unit == "人" {
			unit = "人次"
		}
		units := []string{unit}
		if unit == "美元" && !dollarRE.MatchString(f.Text) {
			// 200万 in a text that names 美元 elsewhere: yuan, unless its
			// words are of a dollar figure.
			units = []string{"元", "美元"}
		}
		// Its words say what it is; else the clause before it does ("准备
		// 上ERP加一条自动化产线，总投入大概520万", "去年进出口1.2亿美元，今年
		// 做到1.6亿美元").
		contexts := []string{figureVerbRE.ReplaceAllString(seg, ""), figureVerbRE.ReplaceAllString(amountFreeRE.ReplaceAllString(s[cs:f.Start], ""), "")}
		if own := genericFigureWordsRE.ReplaceAllString(contexts[0], ""); cs > 0 && utf8.RuneCountInString(own) < 2 {
			_, n := utf8.DecodeLastRuneInString(s[:cs])
			ps, _ := clauseAround(s, cs-n)
			contexts = append(contexts, amountFreeRE.ReplaceAllString(s[ps:cs-n], ""))
		}
		var qt *Quantity
		used := ""
		for _, ctx := range contexts {
			window := tailRunes(ctx, factWindow)
			for _, u := range units {
				for _, c := range Quantities {
					if c.Unit == u && c.sentence.MatchString(window) {
						qt, unit, used = c, u, window
						break
					}
				}
				if qt != nil {
					break
				}
			}
			if qt != nil {
				break
			}
		}
		if qt == nil && len(units) > 1 {
			unit = "元"
		}
		if qt == nil && unit == "张" {
			qt = quantityByKey("tickets")
		}
		if qt == nil && unit == "人次" {
			qt = quantityByKey("tourists_overnight")
		}
		if qt == nil {
			name := strings.TrimSpace(tailRunes(contexts[0], 8))
			name = strings.TrimLeft(name, "我们公司企业今年去年的在")
			if utf8.RuneCountInString(name) >= 2 && f.Kind != amount.Date {
				p.OtherFigures = append(p.OtherFigures, OtherFigure{Name: name, Value: f.Value, Unit: unit})
			}
			continue
		}
		if qt.Key == "tickets" && event != nil {
			event.Tickets = f.Value
			continue
		}
		if qt.project != "" {
			p.Projects = append(p.Projects, Project{Name: strings.TrimSpace(timeWordsRE.ReplaceAllString(used, "")), Kinds: []string{qt.project}, AmountYuan: f.Value,
				Planned: plannedRE.MatchString(seg) || plannedRE.MatchString(used)})
			continue
		}
		got[qt.Key] = append(got[qt.Key], seen{value: f.Value, previous: previousRE.MatchString(seg)})
	}
	for key, vs := range got {
		if p.Figures == nil {
			p.Figures = map[string]float64{}
		}
		// Of two figures of one quantity, the one said to be last year's
		// is the previous year's (去年营收8亿，今年预计10亿); one alone is
		// the year applied for.
		cur, prev := -1, -1
		for i, v := range vs {
			if v.previous && len(vs) > 1 {
				prev = i
			} else {
				cur = i
			}
		}
		if cur < 0 {
			cur, prev = len(vs)-1, -1
		}
		p.Figures[key] = vs[cur].value
		if prev >= 0 && prev != cur {
			if p.PreviousYear == nil {
				p.PreviousYear = map[string]float64{}
			}
			p.PreviousYear[key] = vs[prev].value
		}
	}
	if event != nil {
		p.Events = append(p.Events, *event)
	}
}
