package bot

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"

	"policybot/policies"
	"policybot/retrieval"
)

// Scoper lists the documents of the corpus with their scope (region,
// level, year, dates, status); *retrieval.Index and *retrieval.Live
// implement it. Without it, the region and year a question names are not
// checked against the corpus.
type Scoper interface {
	Scopes() []retrieval.DocScope
}

// scope is where and when the measures a question asks about apply.
type scope struct {
	// region is the canonical region whose measures are asked for: the
	// home region by default, or one the question names as the place of
	// the policy or of the company.
	region string
	// named is set when the question named the region itself.
	named bool
	// text is the region as the question wrote it (相城, 园区).
	text string
	// year is a year the question names as the policy's ("2022年的政策");
	// 0 when none.
	year int
	// words are the byte spans of q.norm that say the scope (the place, the
	// year): where and when, not what — they are no anchors of a topic.
	words [][2]int
}

// policyAfterRE: the words after a place that make it the place of the
// policy asked about (相城区对首店有没有奖励, 相城区的文旅政策, 昆山那边的奖励):
// a connector, then a word of policy. Without a connector the place is part
// of a name (江苏省省长质量奖, 苏州市总部企业, 江苏老字号).
var policyAfterRE = regexp.MustCompile(`^(\([^)]{0,8}\))?(区|市|县|省)?(今年|去年|明年|现在|最新|现行|20[0-9]{2}年度?)?(的|那边的?|那里的?|这边的?|当地的?|对|有没有|有什么|有啥|有哪些|出台的?|出的|发布的|印发的|层面的?)[^，,。；;？?！!]{0,10}?(政策|措施|文件|规定|办法|奖励|补贴|补助|扶持|资助|奖补|补多少|奖多少)|^(区|市|县|省)?(20[0-9]{2}年度?)?\s*[:：]|^(区|市|县|省)?(政策|措施|文件)|^(区|市|县|省)?(的)?(是多少|呢|怎么样|给多少|奖多少|补多少)`)

// levelRE: a level of government named without a place (省里的政策, 国家层面,
// 市级层面): the measures of that level above the home region.
var levelRE = regexp.MustCompile(`(省里|省级层面|省层面|省一级|江苏省级)|(市里|市级层面|市层面|苏州市级层面)|(国家层面|国家级层面|中央|国家出台|国家的政策)`)

// English questions name the place of a policy around the place's name:
// after it (Kunshan's policy, Suzhou Industrial Park offers, Xiangcheng
// District subsidies) or before it (the subsidy rate in Xiangcheng,
// incentives of Kunshan); the company's place (we are based in Kunshan);
// where it is registered is eligibility, not scope.
var (
	englishPolicyAfterRE  = regexp.MustCompile(`^(?:'s|’s)?\s*(?:district|city|county|government)?(?:'s|’s)?\s*(?:polic(?:y|ies)|measures?|subsid\w*|incentives?|grants?|rewards?|support\w*|offers?|offering|gives?|provides?|rules?)\b`)
	englishPolicyBeforeRE = regexp.MustCompile(`(?:polic(?:y|ies)|measures?|subsid\w*|incentives?|grants?|rewards?|support|rates?|bonus\w*|funding|rules?)\s+(?:\w+\s+)?(?:in|of|from|by|for)\s+(?:the\s+)?$`)
	englishCompanyRE      = regexp.MustCompile(`(?:we are|we're|we're|our (?:company|factory|firm|plant|shop|store|hotel|business)(?: is)?|(?:located|based|situated))\s+(?:in|at)\s+(?:the\s+)?$`)
	englishRegisteredRE   = regexp.MustCompile(`regist(?:ered|ration)\s+(?:\w+\s+)?(?:in|at)\s+(?:the\s+)?$`)
)

// isEnglishName reports whether a region name is written in Latin letters.
func isEnglishName(s string) bool {
	return s != "" && s[0] < utf8.RuneSelf
}

// companyHereRE: before a place, words that make it where the company is
// (我们公司在昆山, 厂注册在相城, 张家港保税区的外贸企业 at the start).
var companyHereRE = regexp.MustCompile(`(我们|我司|公司|厂|企业|门店|店)[^，,。；;？?！!]{0,4}(在|落户在|位于|设在|开在)$|^$`)

// companyAfterRE: after a place at the start of a question, a company (the
// asker): 张家港保税区的外贸企业.
var companyAfterRE = regexp.MustCompile(`^[^，,。；;？?！!]{0,6}的[^，,。；;？?！!]{0,6}(企业|公司|厂|民宿|酒店|景区|旅行社|商户|门店)`)

// policyYearRE: a year of the policy (2022年的商务政策, 2023年版, 2022年吴中区
// 制造业政策里, the 2022 policy, the measures of 2022).
var policyYearRE = regexp.MustCompile(`(20[0-9]{2})\s*年\s*(度)?\s*(版|的|出的|出台的|发布的|印发的|吴中区?的?|新一轮的?)[^，,。；;？?！!0-9]{0,10}?(政策|措施|文件|规定|办法|补贴|奖励|补助|比例|奖多少|补多少)|(20[0-9]{2})\s*年\s*(版|吴中区?)?(的)?(政策|措施|文件)|(20[0-9]{2})\s*年\s*(那一?版|的版本|版本)|\b(20[0-9]{2})(?:'s)?\s+(?:[a-z-]+\s+){0,2}(?:version|edition|polic(?:y|ies)|measures?|rules?)\b|\b(?:polic(?:y|ies)|measures?|version|edition|rules?)\s+(?:of|from|issued in)\s+(20[0-9]{2})\b`)

// yearAfterRE and yearBeforeRE: a year written next to the place of the
// policy (姑苏2026年：, 2026年吴江的政策) is the policy's year.
var (
	yearAfterRE  = regexp.MustCompile(`^(?:区|市|县|省)?(20[0-9]{2})\s*年`)
	yearBeforeRE = regexp.MustCompile(`(20[0-9]{2})\s*年度?\s*(?:的)?$`)
	yearSuffixRE = regexp.MustCompile(`^\s*年度?`)
)

// questionScope reads the region and the year a question asks about.
func (b *Bot) questionScope(q understood) scope {
	sc := scope{region: b.cfg.HomeRegion}
	regs := policies.DefaultRegions()
	if m := levelRE.FindStringSubmatchIndex(q.norm); m != nil && b.cfg.HomeRegion != "" &&
		(strings.Contains(q.norm[m[0]:m[1]], "层面") || strings.Contains(q.norm[m[0]:m[1]], "政策") || strings.Contains(q.norm[m[0]:m[1]], "出台") || policyAfterRE.MatchString(q.norm[m[1]:])) {
		// 省里的政策, 国家层面 — not 省里认定的企业技术中心 (the level of a title).
		want := policies.LevelProvince
		switch {
		case m[4] >= 0:
			want = policies.LevelCity
		case m[6] >= 0:
			want = policies.LevelNational
		}
		for _, a := range regs.Ancestors(b.cfg.HomeRegion) {
			if r, ok := regs.Lookup(a); ok && r.Level == want {
				sc.region, sc.named, sc.text = r.Name, true, q.norm[m[0]:m[1]]
			}
		}
		if sc.named {
			// 省里: the level of the policy, not the 省级 of a title.
			sc.words = append(sc.words, [2]int{m[0], m[1]})
		}
	}
	for _, m := range regs.Find(q.norm) {
		if sc.named {
			break
		}
		if m.Tier || m.Region == "" {
			continue // 苏州市级: the tier of an award, not a place
		}
		before, after := q.norm[:m.Start], q.norm[m.End:]
		asPolicy := policyAfterRE.MatchString(after)
		// Where the company is (我们公司在昆山, 张家港保税区的外贸企业) — but
		// where it is registered is a fact of eligibility the measure's
		// scope article answers (注册在上海，在太湖边办音乐节).
		registered := registeredBefore(before)
		asCompany := !registered && (companyHereRE.MatchString(clauseTail(before)) && (m.Start == 0 || strings.HasSuffix(before, "在")) && companyAfterRE.MatchString(after) ||
			companyHereRE.MatchString(clauseTail(before)) && strings.HasSuffix(before, "在"))
		if q.english && isEnglishName(m.Text) {
			// What does Suzhou Industrial Park offer, the subsidy rate in
			// Xiangcheng, we are based in Kunshan — not registered in
			// Shanghai, a supplier in Kunshan.
			registered = englishRegisteredRE.MatchString(before)
			asPolicy = !registered && (englishPolicyAfterRE.MatchString(after) || englishPolicyBeforeRE.MatchString(before))
			asCompany = !registered && englishCompanyRE.MatchString(before)
		}
		if !asPolicy && !asCompany && !q.english && placeAsSubject(before, after, m, regs, b.cfg.HomeRegion) {
			// 相城区小升规奖多少, 无锡新吴区首台套奖励是多少: a district or a
			// city of elsewhere that opens the question, written straight
			// before what is asked, is whose measure is asked about.
			asPolicy = true
			if d := districtAfterRE.FindString(after); d != "" && m.Level == policies.LevelCity {
				m.Text, m.End, after = m.Text+d, m.End+len(d), after[len(d):]
			}
		}
		if m.Ambiguous && !asPolicy && !(asCompany && strings.HasSuffix(before, "在") && clauseEnd(after)) {
			continue // 园区 in 产业园区, not 我们公司在园区，…
		}
		if !asPolicy && !asCompany {
			continue // where a supplier, a venue or a warehouse is: context
		}
		if b.cfg.HomeRegion != "" && regs.AppliesIn(b.cfg.HomeRegion, m.Region) && regs.Canonical(m.Region) == regs.Canonical(b.cfg.HomeRegion) {
			// 吴中: the home region itself, the default.
			sc.words = append(sc.words, [2]int{m.Start, m.End})
			if asPolicy {
				sc.readYear(before, after, m)
			}
			continue
		}
		if asCompany && !asPolicy && homeNamed(q.norm, regs, b.cfg.HomeRegion) {
			continue // 注册在吴中 … 场地在吴江
		}
		sc.region, sc.named, sc.text = m.Region, true, m.Text
		if isEnglishName(m.Text) {
			// shanghai as folded: Shanghai (上海市) in a reply.
			sc.text = cases.Title(language.English).String(m.Text) + " (" + m.Region + ")"
		}
		sc.words = append(sc.words, [2]int{m.Start, m.End})
		if asPolicy {
			sc.readYear(before, after, m)
		}
		break
	}
	if m := policyYearRE.FindStringSubmatchIndex(q.norm); m != nil && sc.year == 0 {
		for k := 2; k+1 < len(m); k += 2 {
			if y := q.norm[max(m[k], 0):max(m[k+1], 0)]; len(y) == 4 && strings.HasPrefix(y, "20") {
				sc.year, _ = strconv.Atoi(y)
				end := m[k+1] + len(yearSuffixRE.FindString(q.norm[m[k+1]:]))
				sc.words = append(sc.words, [2]int{m[k], end})
				break
			}
		}
	}
	return sc
}

// openerRE: the words that may come before the place a question opens with
// (请问, 想问一下, 你好，).
var openerRE = regexp.MustCompile(`^(请问一下|请问|想问一下|想问下|问一下|问下|咨询一下|你好|您好)?$`)

// districtAfterRE: a district or county named after its city (无锡新吴区,
// 南京江宁区) that the regions table need not list (not …市: 无锡一家超市).
var districtAfterRE = regexp.MustCompile(`^\p{Han}{2,3}(区|县)`)

// subjectAskRE: in the clause after the place, an ask about the measures
// (奖多少, 有没有补贴, 政策是什么).
var subjectAskRE = regexp.MustCompile(`政策|措施|奖|补|扶持|资助|多少|几个点|比例`)

// placeAsSubject reports whether the region found at m opens its clause,
// with no 的, connector or preposition between it and the words asked
// (相城区小升规奖多少, 吴江区新评上4A景区奖多少, 无锡新吴区首台套奖多少),
// and is a district (or a city's district) that is neither the home region
// nor one it lies in: a place written that way is whose measures are asked
// about. A city, a province or a country written so is as often where the
// company's head office, a fair or a market is (深圳总部, 上海进博会), and
// an ambiguous short name (园区) is an ordinary word there.
func placeAsSubject(before, after string, m policies.RegionMatch, regs *policies.Regions, home string) bool {
	if m.Ambiguous || m.Tier {
		return false
	}
	if m.Level == policies.LevelCity && districtAfterRE.MatchString(after) {
		// 无锡新吴区: the district of a city.
	} else if m.Level != policies.LevelDistrict {
		return false // 深圳总部…: a city alone opens a question as often as a company's or a market's place
	}
	if home != "" && regs.AppliesIn(m.Region, home) {
		return false // 吴中, 苏州: the home region or one it lies in
	}
	opener := strings.TrimSpace(clauseTail(before))
	if ms := regs.Find(opener); len(ms) == 1 && ms[0].End == len(opener) && regs.AppliesIn(ms[0].Region, m.Region) {
		opener = opener[:ms[0].Start] // 苏州相城区…: the district, named with its city
	}
	if !openerRE.MatchString(opener) || clauseEnd(after) || strings.HasPrefix(after, "的") || placeOfCompanyRE.MatchString(after) {
		return false // …的, 昆山工厂…: a company's place
	}
	rest := after
	if i := strings.IndexAny(rest, "，,。；;？?！!"); i >= 0 {
		rest = rest[:i]
	}
	if home != "" && slices.ContainsFunc(regs.Find(rest), func(r policies.RegionMatch) bool { return regs.AppliesIn(home, r.Region) }) {
		return false // 昆山工厂搬到吴中…: the home region is where it is going
	}
	return subjectAskRE.MatchString(rest)
}

// readYear reads a year written next to the place of the policy (姑苏2026年：…,
// 2026年吴江的政策) as the policy's year.
func (sc *scope) readYear(before, after string, m policies.RegionMatch) {
	if y := yearAfterRE.FindStringSubmatchIndex(after); y != nil {
		sc.year, _ = strconv.Atoi(after[y[2]:y[3]])
		sc.words = append(sc.words, [2]int{m.End + y[2], m.End + y[1]})
	} else if y := yearBeforeRE.FindStringSubmatchIndex(before); y != nil {
		sc.year, _ = strconv.Atoi(before[y[2]:y[3]])
		sc.words = append(sc.words, [2]int{y[2], y[1]})
	}
}

// says reports whether the byte at i of the question is a word of the
// scope.
func (sc scope) says(i int) bool {
	return slices.ContainsFunc(sc.words, func(w [2]int) bool { return w[0] <= i && i < w[1] })
}

// withoutScope returns text (the folded question) with the words that say
// its scope blanked, rune for rune, so that the positions of its terms
// stay.
func withoutScope(text string, sc scope) string {
	if len(sc.words) == 0 {
		return text
	}
	var b strings.Builder
	for i, r := range text {
		if sc.says(i) {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

// clauseTail returns the end of s after its last clause break.
func clauseTail(s string) string {
	if i := strings.LastIndexAny(s, "，,。；;？?！!"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// registeredBefore reports whether before ends with the words that make
// the place after it where the company is registered (注册在, 注册地在):
// a fact of eligibility, not the place of the policy or of what it does.
func registeredBefore(before string) bool {
	return strings.HasSuffix(before, "注册在") || strings.HasSuffix(before, "注册地在") || strings.HasSuffix(before, "注册地是")
}

// clauseEnd reports whether s starts with a clause break or is empty.
func clauseEnd(s string) bool {
	return s == "" || strings.IndexAny(s, "，,。；;？?！!") == 0
}

// homeNamed reports whether the question names the home region too.
func homeNamed(q string, regs *policies.Regions, home string) bool {
	for _, m := range regs.Find(q) {
		if home != "" && regs.AppliesIn(home, m.Region) {
			return true
		}
	}
	return false
}

// scopeReply checks the scope a question names against the corpus. It
// returns the retrieval filter to answer with, or, when the corpus has no
// measure of that region or year, the reply that says so: which regions and
// which measures the corpus has, and who to ask.
func (b *Bot) scopeReply(q understood, sc scope) (region string, year int, reply *Answer) {
	region, year = sc.region, sc.year
	s, ok := b.cfg.Index.(Scoper)
	if !ok || (!sc.named && sc.year == 0) {
		return region, year, nil
	}
	docs := s.Scopes()
	regs := policies.DefaultRegions()
	if sc.named {
		has := slices.ContainsFunc(docs, func(d retrieval.DocScope) bool { return appliesIn(regs, d, sc.region) })
		if !has {
			ans := b.notCovered(Answer{Query: q.norm}, q, nil)
			ans.Text = b.regionText(q, sc, docs)
			return region, year, &ans
		}
	}
	if sc.year != 0 {
		var of []retrieval.DocScope
		for _, d := range docs {
			if (d.Year == sc.year || yearIn(sc.year, d)) && (!sc.named || appliesIn(regs, d, sc.region)) {
				of = append(of, d)
			}
		}
		if len(of) == 0 {
			ans := b.notCovered(Answer{Query: q.norm}, q, nil)
			ans.Text = b.yearText(q, sc, docs)
			return region, year, &ans
		}
		if !slices.ContainsFunc(of, func(d retrieval.DocScope) bool { return d.Year == sc.year }) {
			year = 0 // a measure in force that year, not one of that year
		}
	}
	return region, year, nil
}

// appliesIn reports whether d is a measure of region or of a region it
// contains, or one of a wider region (not the country's) that applies
// there: the corpus has something of region to answer from.
func appliesIn(regs *policies.Regions, d retrieval.DocScope, region string) bool {
	return d.Region != "" && (regs.AppliesIn(d.Region, region) && d.Region != policies.NationalRegion || regs.AppliesIn(region, d.Region))
}

func yearIn(y int, d retrieval.DocScope) bool {
	from, to := d.EffectiveFrom, d.EffectiveTo
	return !from.IsZero() && from.Year() <= y && (to.IsZero() || to.Year() >= y)
}

// covered lists the regions the corpus's documents apply to, narrowest first.
func coveredRegions(docs []retrieval.DocScope) []string {
	var out []string
	for _, d := range docs {
		if d.Region != "" && !slices.Contains(out, d.Region) {
			out = append(out, d.Region)
		}
	}
	return out
}

func (b *Bot) regionText(q understood, sc scope, docs []retrieval.DocScope) string {
	regions := strings.Join(coveredRegions(docs), "、")
	if q.english {
		return fmt.Sprintf("The policy documents I have are those that apply in %s (%s); I have none of %s, so I cannot answer for it. Please ask %s's own government service hotline, or: %s.",
			b.cfg.HomeRegion, regions, sc.text, sc.text, b.cfg.Contact)
	}
	return fmt.Sprintf("现有政策文件只覆盖%s适用的措施（%s），没有%s的政策文件，无法回答%s的问题。请咨询%s当地的政务服务热线或主管部门，吴中区的问题也可咨询：%s。",
		b.cfg.HomeRegion, regions, sc.text, sc.text, sc.text, b.cfg.Contact)
}

func (b *Bot) yearText(q understood, sc scope, docs []retrieval.DocScope) string {
	regs := policies.DefaultRegions()
	var cur []string
	for _, d := range docs {
		if d.Status != policies.StatusInForce && d.Status != "" || d.EffectiveFrom.IsZero() {
			continue
		}
		if sc.named && !appliesIn(regs, d, sc.region) {
			continue
		}
		switch {
		case q.english && d.EffectiveTo.IsZero():
			cur = append(cur, fmt.Sprintf("《%s》 (in force from %s, no end date)", d.Title, d.EffectiveFrom.String()))
		case q.english:
			cur = append(cur, fmt.Sprintf("《%s》 (in force from %s, valid until %s)", d.Title, d.EffectiveFrom.String(), d.EffectiveTo.String()))
		case d.EffectiveTo.IsZero():
			cur = append(cur, fmt.Sprintf("《%s》（%s起施行，长期有效）", d.Title, d.EffectiveFrom.String()))
		default:
			cur = append(cur, fmt.Sprintf("《%s》（%s起施行，有效期至%s）", d.Title, d.EffectiveFrom.String(), d.EffectiveTo.String()))
		}
		if len(cur) == 3 {
			break
		}
	}
	place := ""
	if sc.named {
		place = sc.text
	}
	if q.english {
		if place != "" {
			place += " "
		}
		return fmt.Sprintf("I have no %smeasure of %d, so I cannot say what it provided. The measures I have: %s. Please ask: %s.", place, sc.year, strings.Join(cur, "; "), b.cfg.Contact)
	}
	return fmt.Sprintf("现有政策文件中没有%s%d年的措施，无法回答当年的规定。现有的措施是：%s。如需了解%d年的政策，请咨询：%s。", place, sc.year, strings.Join(cur, "；"), sc.year, b.cfg.Contact)
}
