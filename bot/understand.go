package bot

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"policybot/policies"
	"policybot/policies/amount"
	"policybot/policies/norm"
	"policybot/retrieval/query"
)

// intent is what a question asks, as a set: a question may ask for the
// amount and the department at once.
type intent uint32

const (
	askAmount     intent = 1 << iota // 多少钱, 奖多少, how much
	askCompute                       // the company's own figure with an amount or a rule
	askEligible                      // 能不能, 算不算, 有没有份, can we
	askCondition                     // 条件, 要求, 门槛
	askProcedure                     // 怎么申请, 材料, 流程
	askDeadline                      // 什么时候, 几月, 截止, 还能报吗
	askDepartment                    // 找谁, 哪个部门
	askStacking                      // 叠加, 同时, 全额还是扣掉
	askValidity                      // 有效期, 哪天开始执行
	askList                          // 有哪些, 有什么支持
	askDefinition                    // 是什么, 具体指哪些
	askCriteria                      // the criteria of a designation itself: 认定条件, 够格吗
	askPayment                       // when the money arrives: 多久能到账
)

func (i intent) has(x intent) bool { return i&x != 0 }

// aboutMeasures are the intents of a question about the measure itself —
// when and how to apply, its dates, who handles it, stacking — which an
// article for all of a measure's rewards answers.
const aboutMeasures = askDeadline | askProcedure | askDepartment | askStacking | askValidity

// intentPatterns recognise the intents in folded Chinese and English text.
var intentPatterns = []struct {
	re *regexp.Regexp
	in intent
}{
	{regexp.MustCompile(`多少|几万|几成|金额|额度|奖几|补几|给几|能拿|拿多|能领|标准是|怎么奖|怎么补|怎么算|按哪档|哪一档|奖金|有奖|有钱|有戏|how much|what amount|what rate|how is .* calculated|what.{0,20}reward|amount|(any|a|there) (reward|subsid|grant|incentive|support|bonus)|(reward|subsidy|grant|incentive|bonus) for`), askAmount},
	{regexp.MustCompile(`能不能|能否|可不可以|可以.{0,12}[吗么]|能.{0,14}[吗么]|算不算|算.{0,4}[吗么]|有没有(份|资格)|有.{0,3}份|管不管|适用|符合|轮得到|认不认|还能.{0,10}[吗么]|是不是|有戏|够不够|够格|有资格|\bcan (we|i)\b|eligible|qualify|count|apply for|are we|is .* covered|does .* cover`), askEligible},
	{regexp.MustCompile(`条件|要求|门槛|需要(满足|什么|哪些)|前提|资格|什么样的|标准|requirement|condition|criteria|threshold`), askCondition},
	{regexp.MustCompile(`怎么(申请|报|申报|办|领|弄)|如何(申请|申报|办理)|流程|材料|手续|在哪(报|申请|办|提交)|去哪|网上|线上|提交|报几次|报几批|申报几次|分几批|几次申报|一年几次|how often|how many times|how (do|can|to) .{0,12}apply|procedure|process|where .* apply|documents`), askProcedure},
	{regexp.MustCompile(`什么时候|啥时候|几月|何时|截止|期限|多久|多长时间|还来得及|还能报|赶上|赶得上|哪天|时间|when\b|deadline|how long|until|time limit`), askDeadline},
	{regexp.MustCompile(`找谁|找哪|哪个部门|什么部门|哪个局|谁管|谁负责|归谁|受理|对接|联系|咨询谁|谁办|办理部门|who (handles|processes|do we contact)|which (department|bureau|office|agency)|contact`), askDepartment},
	{regexp.MustCompile(`叠加|同时|重复|都能|都可以|一起拿|两个都|两项都|兼得|扣掉|扣除|全额|补差|差额|再拿|再奖|再发|又评|再.{0,3}一次|还能再|拿过|按哪个|哪个高|stack|combine|both|twice|again|on top of|deduct`), askStacking},
	{regexp.MustCompile(`有效期|到期|失效|过期|哪天开始|什么时候开始|从哪天|开始执行|开始实施|执行到|到什么时候|哪一年|几几年|valid|expire|in force|until when|from when`), askValidity},
	{regexp.MustCompile(`有哪些|有什么|有啥|哪些(政策|奖励|补贴|支持)|什么(政策|扶持|支持)|啥(政策|扶持|支持)|都有|what (support|incentives|policies|benefits)|any (support|incentives|policies)`), askList},
	{regexp.MustCompile(`指什么|指的是|是指|具体指|包括哪|哪几个|什么意思|啥意思|定义|what (is|are|does) .{0,30}(mean|stand for)|what is meant`), askDefinition},
	{regexp.MustCompile(`(多久|多长时间|什么时候|啥时候|几个月|几天|何时|哪天).{0,6}(到账|拨付|兑付|兑现|发放|发钱|打款|打到|下来|到位)|(到账|拨付|兑付|发放|打款).{0,4}(多久|时间|周期|什么时候)|when .{0,20}(paid|payment|disburs|arrive)|how long .{0,20}(pay|payment|money)`), askPayment},
	{regexp.MustCompile(`(认定|评定|评选|评审|申报|入选|纳入|进)(的)?(条件|标准|门槛|要求)|怎么(认定|评上|评|才能)|才能(进|评|认定|算)|够格|够不够格|标准是多少|门槛是多少|criteria for|how to (become|get certified)`), askCriteria},
}

// chatKind is a message that is conversation, not a question about policy.
type chatKind int

const (
	notChat chatKind = iota
	chatGreeting
	chatThanks
	chatHandover
	chatIdentity
	chatCapability
	chatBye
)

var chatPatterns = []struct {
	re   *regexp.Regexp
	kind chatKind
}{
	{regexp.MustCompile(`人工|真人|客服|转接|接线员|打电话|电话多少|联系方式|human|real person|agent|operator|talk to (someone|a person)`), chatHandover},
	{regexp.MustCompile(`你是谁|你是什么|是机器人|机器人吗|是不是机器人|是ai|是人吗|你叫什么|who are you|are you (a )?(bot|robot|human|ai)|what are you`), chatIdentity},
	{regexp.MustCompile(`你(都)?能(帮|做|干|查)|你会什么|能帮我|可以帮我|能查(些)?什么|你有什么用|怎么用|使用说明|what can you|how can you help|what do you (do|know)|help$`), chatCapability},
	{regexp.MustCompile(`谢谢|感谢|多谢|谢了|辛苦了|thank|thx|明白了|知道了|了解了|懂了|收到|好的|好吧|ok|👍`), chatThanks},
	{regexp.MustCompile(`再见|拜拜|bye|goodbye`), chatBye},
	{regexp.MustCompile(`^(你好|您好|hi|hello|hey|哈喽|嗨|在吗|在不在|早上好|上午好|下午好|晚上好|早|喂)`), chatGreeting},
}

// pastMarkers before a tier say it is the company's old tier (原来是省级…今年升到国家级).
var pastTierRE = regexp.MustCompile(`(原来|以前|之前|前几年|曾经|过去|本来|去年|早年|已经)(是|评上|评为|拿过|获评|认定为?)?[^，,。；]{0,6}$`)

// negatedTierRE: 不是省里的 — the tier is named to say it is not the one.
var negatedTierRE = regexp.MustCompile(`(不是|并非|没有|没评上|不属于|而非)[^，,。]{0,4}$`)

// tierMentionRE finds tiers in folded Chinese text.
var tierMentionRE = regexp.MustCompile(`[1-5]级|[一二三四五]级|国际级|国际性|国际|国家级|国家|国字号|国级|全国|中国内地|内地|省级|省里|省内|江苏省|全省|省长|苏州市级|市级|市里|苏州市|全市|市长|区级|区里评|区长|5a|4a|3a|2a|1a|五星|四星|三星|二星级|一星级|5星|4星|3星|2星|1星|甲级|乙级|华东`)

var tierCanon = map[string]string{
	"国际": "国际级", "国际性": "国际级", "国际级": "国际级",
	"国家": "国家级", "国家级": "国家级", "国字号": "国家级", "国级": "国家级", "全国": "国家级", "中国内地": "国家级", "内地": "国家级",
	"省级": "省级", "省里": "省级", "省内": "省级", "江苏省": "省级", "全省": "省级", "省长": "省级",
	"苏州市级": "市级", "市级": "市级", "市里": "市级", "苏州市": "市级", "全市": "市级", "市长": "市级",
	"区级": "区级", "区里评": "区级", "区长": "区级",
	"5a": "5A", "4a": "4A", "3a": "3A", "五星": "五星级", "四星": "四星级", "三星": "三星级",
	"5星": "五星级", "4星": "四星级", "3星": "三星级", "甲级": "甲级", "乙级": "乙级", "华东": "华东",
	"2a": "2A", "1a": "1A", "二星级": "二星级", "一星级": "一星级", "2星": "二星级", "1星": "一星级",
}

var englishTierRE = regexp.MustCompile(`\b(level [1-5]|international|national|state-level|provincial|province|jiangsu|municipal|city-level|city level|suzhou city|district-level|5a|4a|3a|2a|1a|five-star|four-star|three-star|two-star|one-star|5-star|4-star|3-star|2-star|1-star|grade a|grade b|east china)\b`)

var englishTierCanon = map[string]string{
	"international": "国际级", "national": "国家级", "state-level": "国家级", "provincial": "省级", "province": "省级", "jiangsu": "省级",
	"municipal": "市级", "city-level": "市级", "city level": "市级", "suzhou city": "市级", "district-level": "区级",
	"5a": "5A", "4a": "4A", "3a": "3A", "five-star": "五星级", "four-star": "四星级", "three-star": "三星级",
	"5-star": "五星级", "4-star": "四星级", "3-star": "三星级", "2a": "2A", "1a": "1A",
	"two-star": "二星级", "one-star": "一星级", "2-star": "二星级", "1-star": "一星级", "grade a": "甲级", "grade b": "乙级", "east china": "华东",
}

// tierMention is a tier the question names.
type tierMention struct {
	tier string
	pos  int  // byte offset in the folded question
	past bool // the company's former tier (原来是省级)
	not  bool // named to deny it (不是省里的)
}

// question is what the bot understood of a message.
type understood struct {
	text    string // as asked
	norm    string // folded, white space collapsed
	rw      query.Rewritten
	english bool
	intents intent
	// facts are the company's own figures: amounts of money, quantities
	// and rates (dates and ordinals apart).
	facts []amount.Amount
	years []int
	tiers []tierMention
	chat  chatKind
	// docLevel is set for a question about the measure itself (when to
	// apply, until when it is valid) that names no topic of its own.
	docLevel bool
	// scope is the region and year the question asks about (questionScope).
	scope scope
	// topic is norm with the words of the scope blanked (withoutScope):
	// 江苏省的政策 names no 江苏老字号.
	topic string
}

// understand reads a message: its intents, tiers, figures and whether it
// is conversation rather than a question.
func understand(rw query.Rewritten) understood {
	q := understood{text: rw.Original, norm: rw.Normalized, rw: rw, english: rw.English}
	for _, p := range intentPatterns {
		if p.re.MatchString(q.norm) {
			q.intents |= p.in
		}
	}
	for _, p := range chatPatterns {
		if p.re.MatchString(q.norm) {
			q.chat = p.kind
			break
		}
	}
	usd := strings.Contains(q.norm, "美元") || strings.Contains(q.norm, "美金") || strings.Contains(q.norm, "dollar") || strings.Contains(q.norm, "usd") || strings.Contains(q.norm, "$")
	for _, a := range amount.Scan(q.norm) {
		switch {
		case a.Kind == amount.Date:
			if a.Year > 0 {
				q.years = append(q.years, a.Year)
			}
		case a.Kind == amount.Money, a.Kind == amount.Percent:
			q.facts = append(q.facts, a)
		case a.Kind == amount.Quantity && a.Unit != "年" && a.Unit != "个":
			q.facts = append(q.facts, a)
		case a.Kind == amount.Bare && a.Value >= 1e4 && strings.Trim(a.Text, "0123456789,.") != "":
			// 2700来万, 一个多亿: money written without its currency.
			a.Kind, a.Unit = amount.Money, "元"
			if usd {
				a.Unit = "美元"
			}
			q.facts = append(q.facts, a)
		}
	}
	if len(q.facts) > 0 && (q.intents.has(askAmount) || q.intents.has(askEligible) || q.intents.has(askCondition)) {
		q.intents |= askCompute
	}
	q.tiers = findTiers(q.norm, q.english)
	return q
}

func findTiers(s string, english bool) []tierMention {
	var out []tierMention
	re, canon := tierMentionRE, tierCanon
	if english {
		re, canon = englishTierRE, englishTierCanon
	}
	for _, m := range re.FindAllStringIndex(s, -1) {
		w := s[m[0]:m[1]]
		t := tierMention{tier: canon[w], pos: m[0]}
		if t.tier == "" {
			// A numbered grade: 3级, 三级, level 3.
			_, _, t.tier = policies.TierSpan(strings.TrimSuffix(strings.TrimPrefix(w, "level "), "级") + "级")
		}
		before := s[:m[0]]
		t.past = pastTierRE.MatchString(before)
		t.not = negatedTierRE.MatchString(before)
		// 市级以上 is a floor, not a tier; 苏州市首台套 names the city.
		out = append(out, t)
	}
	return out
}

// currentTiers returns the tiers the question asks about: named, not
// denied, and not the company's former tier when a newer one is named too.
func (q understood) currentTiers() []string {
	var cur, past []string
	for _, t := range q.tiers {
		switch {
		case t.not:
		case t.past:
			past = append(past, t.tier)
		default:
			cur = appendUnique(cur, t.tier)
		}
	}
	if len(cur) == 0 {
		return nil
	}
	return cur
}

// formerTier returns the tier the company held before (原来是省级), or "".
func (q understood) formerTier() string {
	for _, t := range q.tiers {
		if t.past && !t.not {
			return t.tier
		}
	}
	return ""
}

func appendUnique(s []string, x string) []string {
	for _, y := range s {
		if y == x {
			return s
		}
	}
	return append(s, x)
}

// clauseTier is the tier of a clause as the question would name it.
func clauseTier(c policies.Clause) string { return c.Tier }

// askedTailRE: the question words that end the last clause of a question
// (都有谁, 是多少, 推荐, 算不算, 算不算进去), after what it asks for.
var askedTailRE = regexp.MustCompile(`(算不算进去|算不算在内|算不算进|算进去|算在内|包不包括|包括不包括|含不含|计不计入|都有谁|有谁|是谁|总共有多少钱|一共有多少钱|有多少钱|是多少钱|是多少|有多少|多少钱|多少|推荐一下|推荐|怎么样|有哪些|有什么|是什么|哪些|哪家|哪个|什么|算不算|能不能|可不可以|行不行|够不够|吗|呢|啊|[?？!！。,，\s])+$`)

// askedFor returns what the last clause of a question asks for when it
// says it as "X的Y…?" (评审专家 in 小巨人的评审专家都有谁), with its rune
// offset in text; "" when the clause has no 的.
func askedFor(text string) (string, int) {
	t := strings.TrimRight(text, "?？!！。 ")
	last := t
	if i := strings.LastIndexAny(t, "，,。；;"); i >= 0 {
		last = t[i+1:]
	}
	i := strings.LastIndex(last, "的")
	if i < 0 {
		return "", 0
	}
	start := len(t) - len(last) + i + len("的")
	head := askedTailRE.ReplaceAllString(t[start:], "")
	return head, utf8.RuneCountInString(t[:start])
}

// askedUnknown reports whether what the question asks for (askedFor) is
// words the corpus does not have: each of its bigrams an anchor the corpus
// lacks, none part of a recognised term.
func askedUnknown(q understood, anchors []anchor, spans []TermSpan) bool {
	head, at := askedFor(q.topicOrNorm())
	hr := []rune(head)
	if len(hr) < 2 {
		return false
	}
	unknown := map[string]bool{}
	for _, a := range anchors {
		if !a.term && !a.known {
			unknown[a.text] = true
		}
	}
	found := 0
	places := regionRunes(head)
	for i := 0; i+1 < len(hr); i++ {
		bg := string(hr[i : i+2])
		if !norm.IsHan(hr[i]) || !norm.IsHan(hr[i+1]) || places[i] || places[i+1] || isPlace(bg) || strings.ContainsAny(bg, functionRunes) {
			continue // a place or a blanked scope word (吴中区评审专家): where, not what
		}
		for _, sp := range spans {
			if sp.Start <= at+i+1 && at+i < sp.End {
				return false // a recognised word (补贴): the corpus words it otherwise
			}
		}
		if !unknown[bg] {
			return false
		}
		found++
	}
	return found > 0
}

// topicOrNorm is the question without its scope words, or the folded
// question when the scope was not read.
func (q understood) topicOrNorm() string {
	if q.topic != "" {
		return q.topic
	}
	return q.norm
}

// heldVerbRE: the words with which a company says what it was awarded or
// what it runs (评上了…, 被认定为…, 拿到了…称号, 办个…): the thing after
// them is what the question is about.
var heldVerbRE = regexp.MustCompile(`评上了?|评为|评成了?|获评|评定为|认定为|认定了|获得了?|拿到了?|拿了|成为了?|入选了?|列入了?|举办了?|承办了?|主办了?|办了?|搞了?`)

// titleHeads and eventHeads are the words a title or an event ends with
// (…中心, …企业, …饭店; …演唱会, …比赛, …节): what kind of thing it is.
var (
	titleHeads = []string{"集聚区", "实验室", "企业", "中心", "工厂", "车间", "饭店", "酒店", "民宿", "景区", "基地", "工坊", "字号", "总部",
		"品牌", "冠军", "平台", "示范", "奖"}
	eventHeads = []string{"赛事", "比赛", "大会", "论坛", "峰会", "展会", "展览会", "展销会", "博览会", "交易会", "运动会", "演唱会", "音乐会",
		"演出", "活动", "节", "展"}
)

// titleWordRE: a word for any title after the one named (…的称号, …牌子).
var titleWordRE = regexp.MustCompile(`的?(荣誉称号|称号|牌子|资质|荣誉)$`)

// heldStopRE: the words after a named thing that go on to ask about it.
var heldStopRE = regexp.MustCompile(`完|以后|之后|后|可以|可不可以|能|有没有|有|多少|怎么|要|去|区里|区上|政府|奖励|奖金|补贴|补助|扶持|给|吗`)

// heldFillerRE: words that open a named thing without saying what it is
// (一个, 新, 刚).
var heldFillerRE = regexp.MustCompile(`^(一个|一场|一届|一家|一项|一次|一下|这个|这项|个|场|届|项|了|新|刚|首次|第一次)+`)

// heldElsewhere reports whether the question names a title the company
// holds or an event it runs that the best article (its folded text) does
// not name. A title is judged by its characters: three or more of them,
// past its tier (国家级, 五星, 4A) and fillers, neither in the article nor
// part of a recognised term the article words (国家级工业设计中心 against
// 企业技术中心; an abbreviation, 企技中心, keeps its characters). An event is
// judged by its kind, the head of its name (演唱会, 比赛; 美食节 for a 节):
// the article or a recognised term it words names it, or not — a singer's
// name or a sport (周杰伦演唱会, 羽毛球比赛) does not change the kind.
func heldElsewhere(q understood, spans []TermSpan, text string) bool {
	t := q.topicOrNorm()
	for _, m := range heldVerbRE.FindAllStringIndex(t, -1) {
		rest := t[m[1]:]
		if i := strings.IndexAny(rest, "，,。；;？?！!"); i >= 0 {
			rest = rest[:i]
		}
		if strings.HasPrefix(rest, "方") || strings.HasPrefix(rest, "单位") {
			continue // 主办方, 承办单位: who, not what
		}
		// The thing ends where the question goes on (…区里奖多少, 办完以后…),
		// and before a word for any title (…企业的称号, …的牌子).
		if i := heldStopRE.FindStringIndex(rest); i != nil {
			rest = rest[:i[0]]
		}
		rest = titleWordRE.ReplaceAllString(rest, "")
		// The head of a Chinese noun is its last word: the rightmost head,
		// the longest of those ending there.
		head, end := "", -1
		for _, h := range append(slices.Clone(titleHeads), eventHeads...) {
			if i := strings.LastIndex(rest, h); i >= 0 && (i+len(h) > end || i+len(h) == end && len(h) > len(head)) {
				head, end = h, i+len(h)
			}
		}
		if end < 0 {
			continue
		}
		start := m[1]
		if k := strings.LastIndex(rest[:end], "的"); k >= 0 {
			start += k + len("的") // X的Y names a Y (最高那档的5A景区: a 5A景区)
		} else {
			start += len(heldFillerRE.FindString(rest[:end]))
		}
		end += m[1]
		if start >= end {
			continue
		}
		if !slices.Contains(eventHeads, head) {
			if strangeRunes(q, spans, text, start, end) >= 3 {
				return true
			}
			continue
		}
		// An event's kind: its head, with the two characters before a
		// one-character head (美食节, 动漫展).
		kind := end - len(head)
		if utf8.RuneCountInString(head) == 1 {
			for n := 0; n < 2 && kind > start; n++ {
				_, size := utf8.DecodeLastRuneInString(t[:kind])
				kind -= size
			}
		}
		if strangeRunes(q, spans, text, kind, end) > 0 {
			return true
		}
	}
	return false
}

// strangeRunes counts the Han characters of q's text in [start, end) (byte
// offsets of q.topicOrNorm()) that are not a tier's, a function word's or a
// scope word's, and that the folded article text does not contain, neither
// as written nor through a recognised term the article words.
func strangeRunes(q understood, spans []TermSpan, text string, start, end int) int {
	t := q.topicOrNorm()
	tiers := map[int]bool{}
	for _, m := range tierMentionRE.FindAllStringIndex(t[start:end], -1) {
		for i := start + m[0]; i < start+m[1]; i++ {
			tiers[i] = true
		}
	}
	explained := func(at int) bool { // a recognised term the article words covers rune at
		return slices.ContainsFunc(spans, func(sp TermSpan) bool {
			return sp.Start <= at && at < sp.End && slices.ContainsFunc(sp.Alts, func(a string) bool { return a != "" && strings.Contains(text, a) })
		})
	}
	n := 0
	at := utf8.RuneCountInString(t[:start]) // rune offset, as TermSpans count
	for i, r := range t[start:end] {
		if norm.IsHan(r) && !tiers[start+i] && !strings.ContainsRune(functionRunes, r) && r != '级' &&
			!strings.ContainsRune(text, r) && !explained(at) {
			n++
		}
		at++
	}
	return n
}

// Whether a company runs an event or takes part in one: a measure for
// those who attend a fair (参加境外展会) does not pay its organiser, and
// one for organisers (举办体育赛事, 给予主办方奖励) does not pay those
// who compete. Taking part is the company's (我们…参展), not the
// audience's (2万人参赛).
var (
	organiseRE = regexp.MustCompile(`(举办|主办|承办|组织|策划|办|搞)(了|过)?(一个|一场|一届|一次|个|场|届|次)?[^，,。；;？?！!]{0,8}?(展|会|节|赛|活动|演出)|主办方|主办单位|承办方|organi[sz]|\bhost`)
	attendRE   = regexp.MustCompile(`(我们|我司|公司|企业|队员|运动员|我)[^，,。；;？?！!]{0,8}(参加|参展|参赛)|出国比赛|去[^，,。；;？?！!]{0,6}(参展|展会|比赛)|\bwe\b.{0,20}\b(attend|exhibit|take part|participat)`)
)

// eventRoles reports whether text speaks of running an event, and of
// taking part in one.
func eventRoles(text string) (organise, attend bool) {
	return organiseRE.MatchString(text), attendRE.MatchString(text)
}

// otherRole reports a question about running an event answered by a
// measure for those who attend one, or the other way round.
func otherRole(q understood, article string) bool {
	qo, qa := eventRoles(q.norm)
	if qo == qa {
		return false // neither, or both (参加了在吴中举办的…)
	}
	ao, aa := eventRoles(article)
	if ao == aa {
		return false
	}
	return qo && aa || qa && ao
}
