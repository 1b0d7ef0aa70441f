package bot

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"policybot/bot/convlog"
	"policybot/policies"
	"policybot/policies/norm"
	"policybot/retrieval"
	"policybot/retrieval/query"
)

// Thresholds of the decision between answer, hedge and refuse. They are
// calibrated on the tuning half of the colloquial set and the team's own
// development set, and reported on held-out sets (README, "How answers are
// chosen").
const (
	// candidates is how many retrieved passages the ranking looks at.
	candidates = 24
	// maxArticles is how many distinct articles are ranked.
	maxArticles = 10
	// answerCoverage is the weighted share of the question's anchors the
	// best article must contain to be answered with confidence …
	answerCoverage = 0.5
	// … or answerCoverageTerm when it contains a recognised domain term
	// that singles it out (a specific term).
	answerCoverageTerm = 0.3
	// hedgeCoverage is the least coverage for offering the most related
	// clauses as possibly relevant; below it the bot says it does not know.
	hedgeCoverage = 0.3
	// topicMin is the least anchor weight a question needs to have a topic
	// of its own; below it the question continues the conversation's topic
	// or is too vague to answer.
	topicMin = 2.2
	// maxHedged is how many clauses a hedge offers.
	maxHedged = 3
	// unknownTopic and unknownFound: a question with at least unknownTopic
	// words the corpus does not know, no specific term and less than
	// unknownFound of anchor weight found is about something else.
	unknownTopic = 3
	unknownFound = 6.0
	// vagueUnknown is the most words unknown to the corpus a question
	// without a topic may have and still be only vague.
	vagueUnknown = 2
)

// answer is Ask without the conversation bookkeeping. It returns the
// answer and the topic context the next turn may continue ("" when this
// turn carries none).
func (b *Bot) answer(ctx context.Context, msg string, history []convlog.Turn, onDelta func(string)) (Answer, string, error) {
	rw := b.cfg.Rewriter.Rewrite(msg)
	q := understand(rw)
	if ans, ok := b.matchReply(ctx, msg, history, q); ok {
		// "我们是……，能申请哪些政策？": the match list (match_answer.go).
		ans.Query = q.norm
		return ans, "", nil
	}
	// Scope: the home region's measures (and those of the regions above it)
	// unless the question names another place or a year of the policy. The
	// words are weighed among the measures of that scope, which the search
	// looks at; a place or year the corpus has no measure of is said so
	// (below, once the message is known to be a question).
	q.scope = b.questionScope(q)
	region, year, scoped := b.scopeReply(q, q.scope)
	in := retrieval.Query{AsOf: b.cfg.Now(), Region: region, Year: year, IncludeInactive: year != 0 || asksAboutOldDocuments(q.norm)}
	// The place and the year are the filter's, not words of the topic.
	topicText := withoutScope(q.norm, q.scope)
	q.topic = topicText
	q.tiers = slices.DeleteFunc(q.tiers, func(t tierMention) bool { return q.scope.says(t.pos) })
	own, weights := b.anchors(ctx, topicText, termSpans(rw), q.english, in)
	ownWeight := topicWeight(own)
	ownSpecific := specificity(own)

	if q.chat != notChat && (ownWeight < topicMin || !asksQuestion(q.norm)) {
		// "你好，我们是吴中的旅行社": what the company said carries over.
		return b.chatReply(q), carried(lastTopic(history), q, own), nil
	}

	// Conversation: a question without a topic of its own continues the
	// topic of the conversation; one whose topic the previous answer does
	// not cover starts a new one.
	prev := lastTopic(history)
	evidence, spans := q.norm, termSpans(rw)
	anchors := own
	continued := false
	if prev != nil {
		// "那省级的呢" names no topic; "那甲级民宿呢" names one the previous
		// answer covers; "那旅行社呢" after 夜间文旅 starts a new one.
		cont := ownSpecific < 1
		if !cont && prev.Doc != "" {
			cont = b.previousCovers(ctx, prev, own, q)
		}
		// Scope stays with this offline resolution: no model is asked to
		// rewrite the follow-up (see condense).
		if cont {
			continued = true
			joined := b.cfg.Rewriter.Rewrite(clip(prev.Resolved + " " + msg))
			evidence, spans = joined.Normalized, termSpans(joined)
			anchors, weights = b.anchors(ctx, evidence, spans, q.english, in)
			// The tier and figures are the new message's ("那市级的呢");
			// the topic is the conversation's.
			rw = query.Rewritten{Original: rw.Original, Normalized: q.norm, Expanded: joined.Expanded, English: q.english,
				Terms: rw.Terms, Amounts: joined.Amounts, Spans: rw.Spans}
		}
	}
	q.docLevel = ownSpecific < 1 && q.intents&(askDeadline|askProcedure|askValidity) != 0 && q.intents&(askAmount|askCompute) == 0
	if prev == nil && followUpRE.MatchString(q.norm) && ownSpecific < 1 {
		// "那甲级的呢？" with nothing before it: guessing the subject could
		// quote the wrong reward.
		return b.clarifyReply(q), carried(prev, q, own), nil
	}
	namesRoute := len(b.cfg.Routes.find(q.norm, RouteTopic)) > 0
	if !continued && ownWeight < topicMin && ownSpecific < 1 && !namesRoute {
		// Too vague to answer: ask what it is about. A question that says
		// more, in words the documents do not have, is not vague: it is not
		// covered (钱多久能打到账上).
		// A question about the documents themselves (有效期, 申报时间, 找谁)
		// that names a policy area is not vague either.
		docLevel := q.intents&(askValidity|askDeadline|askProcedure|askDepartment) != 0 && (ownWeight > 0 || namesTerm(own))
		// Vague is about policy (补贴, 有什么政策, 能拿多少钱); a question
		// in words of something else (今天天气怎么样) is not covered.
		policyWords := asksForMoney(q.norm) || q.intents&(askAmount|askList) != 0
		for _, t := range rw.Terms {
			policyWords = policyWords || !isPlace(t)
		}
		if unknownBigrams(own) <= vagueUnknown && !docLevel && (policyWords || unknownBigrams(own) == 0) {
			return b.clarifyReply(q), carried(prev, q, own), nil
		}
	}

	if scoped != nil {
		return *scoped, "", nil
	}
	in.Text, in.K = rw.Expanded, candidates
	if !continued && strings.HasPrefix(rw.Expanded, q.norm) {
		in.Text = topicText + rw.Expanded[len(q.norm):]
	}
	hits, err := b.cfg.Index.Search(ctx, in)
	if err != nil {
		return Answer{}, "", fmt.Errorf("search: %w", err)
	}
	ans := Answer{Retrieved: hits, Query: evidence}
	arts := b.rank(hits, anchors, q)
	if len(arts) == 0 {
		return b.notCovered(ans, q, nil), "", nil
	}
	ans.Retrieved = reorder(hits, arts)
	best := arts[0]
	cov := best.m.coverage()
	termHit := best.m.specific > 0
	b.cfg.Logger.Debug("decision", "q", msg, "best", best.key(), "coverage", cov, "specific", best.m.specific, "known", best.m.known, "continued", continued)

	// The criteria of a designation are its grantor's, not the measure's.
	if q.intents.has(askCriteria) && !asksForMoney(q.norm) && !hasConditionFor(best) {
		if routes := b.cfg.Routes.find(evidence, RouteGrants); len(routes) > 0 {
			return b.routeReply(ans, q, routes[0]), "", nil
		}
	}
	// Topics the measures do not cover go to the department that handles
	// them — when the topic is what the question is about, not context
	// beside the topic it asks about.
	if routes := b.uncoveredRoutes(evidence, spans, arts, RouteTopic); len(routes) > 0 {
		if h, ok := b.routeFor(q, own, best, routes); ok {
			return b.routeReply(ans, q, h), "", nil
		}
	}
	// When the money arrives, where the measure does not say: its department.
	if q.intents.has(askPayment) && !statesPayment(best) {
		return b.departmentReply(ans, q, best), "", nil
	}
	// The papers of an application round (名额, 公示, 评审细则, 材料清单) are
	// the department's notice, not the measure's: where the article does
	// not name them, its department.
	if w := artefactRE.FindString(askPart(q.norm)); w != "" && !strings.Contains(norm.Fold(best.chunk().Text), artefactNoun(w)) {
		return b.departmentReply(ans, q, best), "", nil
	}
	// A question about something the corpus has no words for, that only an
	// everyday word ties to an article (明天会下雨吗…户外活动): not covered.
	if u := unknownBigrams(anchors); best.m.specific == 0 && !namesMeasure(anchors, best) && len(q.facts) == 0 && u >= unknownTopic && best.m.found < unknownFound {
		return b.uncovered(ans, q, evidence, spans, arts), "", nil
	}
	// What the question asks for (小巨人的评审专家都有谁, 古镇附近好吃的苏帮
	// 菜馆) is a thing the corpus has no word of: the article matched the
	// context, not the question.
	if !continued && len(q.facts) == 0 && askedUnknown(q, anchors, spans) {
		return b.uncovered(ans, q, evidence, spans, arts), "", nil
	}
	if !continued && q.intents&aboutMeasures == 0 {
		// A question of deadline, procedure, department or stacking is
		// answered by an article for all of a measure's rewards, which
		// names none of them: these checks are for the others.
		text, who := norm.Fold(best.chunk().Text), norm.Fold(subjects(best))
		// What the company was awarded or runs (国家级工业设计中心, 美食节)
		// is a thing the article does not name: it matched the kind and the
		// tier. Or it runs what the article pays attending, or the reverse.
		if heldElsewhere(q, spans, text) || otherRole(q, who) {
			return b.uncovered(ans, q, evidence, spans, arts), "", nil
		}
		// Somewhere in China (去上海参加进博会, 在吴中本地租的仓库) for a
		// measure of what is done abroad (境外展会, 海外仓): not covered; the
		// reply says which measure exists and where it applies.
		if place, ok := b.domesticFor(q, who); ok {
			return b.abroadOnly(ans, q, best, place), "", nil
		}
	}
	// A definition the documents do not give.
	if q.intents.has(askDefinition) && !q.intents.has(askAmount) && !asksForMoney(q.norm) && !definesTerm(best) {
		return b.notCovered(ans, q, best), "", nil
	}
	// The model calls of a question (judging the hedge band, writing the
	// answer) share one deadline (LLM_DEADLINE).
	genCtx := ctx
	if b.cfg.Generator != nil && b.cfg.GeneratorTimeout > 0 {
		var cancel context.CancelFunc
		genCtx, cancel = context.WithTimeout(ctx, b.cfg.GeneratorTimeout)
		defer cancel()
	}
	answerFrom := func(a *article) Answer {
		out := b.compose(ctx, q, evidence, weights, a, b.current(ctx, q, anchors, in, a))
		out.Retrieved, out.Query = ans.Retrieved, ans.Query
		if b.cfg.Generator != nil && out.Mode == ModeAnswer {
			out = b.generate(genCtx, msg, history, q.english, ans.Retrieved, out, onDelta)
		}
		return out
	}
	switch {
	case cov >= answerCoverage, termHit && cov >= answerCoverageTerm:
		return answerFrom(best), evidence, nil
	case cov >= hedgeCoverage:
		// With a model, the model may decide this band from the passages
		// it ranks first (covered / not covered); the clear answers and
		// refusals above stay with the code, and a covered answer still
		// goes through the guard.
		if b.cfg.Generator != nil {
			switch v, a := b.judgeArticle(genCtx, msg, history, ans.Retrieved, arts); v {
			case Covered:
				return answerFrom(a), evidence, nil
			case NotCovered:
				return b.uncovered(ans, q, evidence, spans, arts), "", nil
			}
		}
		return b.hedge(ans, q, arts), evidence, nil
	}
	return b.uncovered(ans, q, evidence, spans, arts), "", nil
}

// uncovered is the reply to a question the documents do not answer: the
// department of a routing topic it names, if any, else the general contact.
func (b *Bot) uncovered(ans Answer, q understood, evidence string, spans []TermSpan, arts []*article) Answer {
	best := arts[0]
	if routes := b.uncoveredRoutes(evidence, spans, arts, RouteTopic); len(routes) > 0 {
		h, ok := routeAsked(evidence, routes)
		if !ok {
			h = routes[0]
		}
		return b.routeReply(ans, q, h)
	}
	return b.notCovered(ans, q, best)
}

// routeFor decides whether a question that names a routing topic the best
// article lacks goes to that topic's department:
//   - the clause that asks names it (…，能不能免进口关税);
//   - the clause that holds the topic names it, and the topic is a domain
//     term the corpus does not have (高新技术企业认定，…奖多少), or the best
//     article has no specific term of the question, or covers too little;
//   - nothing of the question is covered at all.
func (b *Bot) routeFor(q understood, own []anchor, best *article, routes []routeHit) (routeHit, bool) {
	if h, ok := routeAsked(askPart(q.norm), routes); ok {
		return h, true
	}
	for _, h := range routes {
		if appliedFor(askPart(q.norm), h.keyword) || appliedFor(topicClause(q.norm, own), h.keyword) {
			// 想申请人才公寓: what the company applies for is the topic.
			return h, true
		}
	}
	cov := best.m.coverage()
	tc := topicClause(q.norm, own)
	if h, ok := routeAsked(tc, routes); ok {
		// The topic clause's own words, as the best article covers them.
		var inClause []anchor
		for _, a := range own {
			if literalIn(a, tc) {
				inClause = append(inClause, a)
			}
		}
		m := measureAnchors(inClause, best.passage)
		// The routing topic is the clause's heaviest word, and the best
		// article does not have it.
		m.known += idfScale
		if unknownTermHas(own, h) || best.m.specific == 0 && m.specific == 0 && m.coverage() < answerCoverage {
			return h, true
		}
	}
	if cov < hedgeCoverage {
		return routes[0], true
	}
	return routeHit{}, false
}

// applyVerbRE: the words a company applies for something with, right
// before it (申请人才公寓, 办理出口退税, 想领…).
var applyVerbRE = regexp.MustCompile(`(申请|申领|申办|办理|领取|想办|要办|想领)(一下|个|一个)?$`)

// appliedFor reports whether keyword occurs in q as what the company applies
// for: as a word, straight after a verb of applying.
func appliedFor(q, keyword string) bool {
	return slices.ContainsFunc(wordIndexes(q, keyword), func(i int) bool { return applyVerbRE.MatchString(q[:i]) })
}

func literalIn(a anchor, clause string) bool {
	for _, t := range append([]string{a.text}, a.texts...) {
		if t != "" && strings.Contains(clause, t) {
			return true
		}
	}
	return false
}

// unknownTermHas reports a recognised domain term of the question that the
// corpus does not have and that a keyword of the route names.
func unknownTermHas(own []anchor, h routeHit) bool {
	for _, a := range own {
		if !a.term || a.known {
			continue
		}
		for _, t := range a.texts {
			if h.lastEnd(t) >= 0 {
				return true
			}
		}
	}
	return false
}

// askPart returns the clauses of a question that ask something ("工业用地
// 怎么拿，找谁买地" has two), or its last clause when none does.
func askPart(q string) string {
	if isEnglishText(q) {
		// In English a statement has "is" and "are" too: a question is a
		// sentence that ends with a question mark.
		var asking []string
		for _, sent := range strings.SplitAfter(q, "?") {
			if strings.HasSuffix(sent, "?") {
				if i := strings.LastIndexAny(sent[:len(sent)-1], ".!"); i >= 0 {
					sent = sent[i+1:]
				}
				asking = append(asking, strings.TrimSpace(sent))
			}
		}
		if len(asking) > 0 {
			return strings.Join(asking, " ")
		}
	}
	parts := clauses(q)
	var asking []string
	for _, p := range parts {
		if asksQuestion(p) {
			asking = append(asking, p)
		}
	}
	if len(asking) > 0 {
		return strings.Join(asking, "，")
	}
	if len(parts) > 0 {
		return parts[len(parts)-1]
	}
	return q
}

// isEnglishText reports text that is mostly ASCII letters.
func isEnglishText(s string) bool {
	latin, han := 0, 0
	for _, r := range s {
		switch {
		case r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'):
			latin++
		case norm.IsHan(r):
			han++
		}
	}
	return latin > 4*han
}

// clauses splits a question at its punctuation; an English sentence ends
// with ". ", a Chinese figure (1.5亿) keeps its point.
func clauses(q string) []string {
	return strings.FieldsFunc(strings.ReplaceAll(q, ". ", "。"), func(r rune) bool { return strings.ContainsRune("，,。；;！!?？", r) })
}

// routeAsked returns the route of a keyword in the clause that holds the
// question's topic, as opposed to the context around it; of several, the
// one written last, the head of the phrase (研发费用那个所得税优惠 → 税务).
func routeAsked(topic string, routes []routeHit) (routeHit, bool) {
	best, bestEnd := routeHit{}, -1
	for _, r := range routes {
		if end := r.lastEnd(topic); end > bestEnd {
			best, bestEnd = r, end
		}
	}
	return best, bestEnd >= 0
}

// topicClause returns the clause of a question that holds what it asks
// about: the clause that asks ("…，能不能免进口关税") when it names a
// topic, else the nearest clause before it that does ("去年通过高新技术企业
// 认定，区里给多少奖励？"). Words of the corpus that weigh something, or
// words it does not know at all, make a topic.
func topicClause(q string, own []anchor) string {
	parts := clauses(q)
	if len(parts) == 0 {
		return q
	}
	ask := len(parts) - 1
	for i := len(parts) - 1; i >= 0; i-- {
		if asksQuestion(parts[i]) {
			ask = i
			break
		}
	}
	for i := ask; i >= 0; i-- {
		if namesTopic(parts[i], own) {
			return parts[i]
		}
	}
	return parts[ask]
}

// namesTopic reports whether a clause has an anchor that names a topic: a
// recognised term, a word of the corpus that is not everyday, or a word the
// corpus does not have at all (环评要怎么报批).
func namesTopic(clause string, own []anchor) bool {
	for _, a := range own {
		if a.dept || a.known && a.weight < minAnchorWeight {
			continue
		}
		for _, t := range append([]string{a.text}, a.texts...) {
			if t != "" && strings.Contains(clause, t) {
				return true
			}
		}
	}
	return false
}

// asksQuestion reports a message that asks something (a question mark,
// a question word), as opposed to a greeting with context.
var questionRE = regexp.MustCompile(`[?？]|吗|么|呢|多少|怎么|如何|什么|啥|哪|几|能否|是否|能不能|可不可以|有没有|找谁|问谁|\b(how|what|when|where|which|who|can|could|does|do|is|are)\b`)

func asksQuestion(s string) bool { return questionRE.MatchString(notAsking.Replace(s)) }

// notAsking blanks the words with a question character that ask nothing
// (开了好几个账号, 十几家门店).
var notAsking = strings.NewReplacer("好几", "", "十几", "")

var followUpRE = regexp.MustCompile(`^(那|那么|那如果|如果是|要是|还有|另外|再问|同样|这个|这项|该项|它|这种|那种)|呢[?？]?$|^(面积|金额|比例|上限|条件|期限|时间|要求|门槛|标准|多少|怎么申请|找谁|哪个部门)|^(what about|and |how about)`)

var moneyWordsRE = regexp.MustCompile(`奖|补|钱|资助|扶持|支持|reward|subsid|grant|bonus|money|incentive`)

// asksForMoney reports a question about money (奖, 补, reward …).
func asksForMoney(s string) bool { return moneyWordsRE.MatchString(s) }

// carried is the context a turn that gets no answer of its own passes on:
// what the company told ("我们在越南租了两个仓", "一个1600平"), joined to
// the topic before it; "" for a turn that said nothing (谢谢, 补贴).
func carried(prev *convlog.Turn, q understood, own []anchor) string {
	says := topicWeight(own) > 0 || unknownBigrams(own) > 0 || len(q.facts) > 0
	switch {
	case !says && prev != nil:
		return prev.Resolved
	case !says:
		return ""
	case prev != nil:
		return clip(prev.Resolved + " " + q.norm)
	}
	return q.norm
}

// maxTopicRunes bounds the context a conversation carries.
const maxTopicRunes = 300

func clip(s string) string {
	rs := []rune(s)
	if len(rs) > maxTopicRunes {
		return string(rs[len(rs)-maxTopicRunes:])
	}
	return s
}

// lastTopic returns the latest turn that carries a topic, skipping turns
// that were refused, routed or only asked to clarify.
func lastTopic(h []convlog.Turn) *convlog.Turn {
	for i := len(h) - 1; i >= 0; i-- {
		if strings.TrimSpace(h[i].Resolved) != "" {
			return &h[i]
		}
	}
	return nil
}

// previousCovers reports whether the article the previous turn cited
// contains the specific terms of this question: "评上的话找哪个部门" after
// 夜间文旅消费集聚区 continues it; "那旅行社呢" does not.
//
// A question about the measure itself (申报时间, 有效期, 找谁, 能否叠加)
// continues it when any article of the previous answer's document has its
// terms: "什么时候申报" after 音乐节's reward asks for the culture measure's
// deadline, not the manufacturing one's.
func (b *Bot) previousCovers(ctx context.Context, prev *convlog.Turn, own []anchor, q understood) bool {
	hits, err := b.cfg.Index.Search(ctx, retrieval.Query{Text: prev.Resolved, DocID: prev.Doc, K: 50, IncludeInactive: true})
	if err != nil {
		return false
	}
	aboutMeasure := q.intents&aboutMeasures != 0 && q.intents&(askAmount|askCompute) == 0
	for _, h := range hits {
		if h.Chunk.Article != prev.Article && !aboutMeasure {
			continue
		}
		if m := measureAnchors(own, passageOf(h.Chunk)); m.missing == 0 {
			return true
		}
		if !aboutMeasure {
			return false
		}
	}
	return false
}

// rank groups the hits by article and orders the articles by how well they
// cover the question's anchors, what the question asks (a deadline, a
// department …) breaking near-ties, then the retrieval rank.
func (b *Bot) rank(hits []retrieval.Hit, anchors []anchor, q understood) []*article {
	var arts []*article
	seen := map[string]bool{}
	for i, h := range hits {
		k := fmt.Sprintf("%s#%d", h.Chunk.DocID, h.Chunk.Article)
		if seen[k] {
			continue
		}
		seen[k] = true
		a := &article{hit: h, passage: passageOf(h.Chunk), clauses: b.provisions(h.Chunk.Text)}
		a.m = measureAnchors(anchors, a.passage)
		a.score = a.m.coverage() + intentFit(q, a) - 0.01*float64(i)
		if h.Chunk.Region != "" && h.Chunk.Region == q.scope.region {
			// 吴江区2024年出台的措施, or the home region's by default: the
			// district's own measure before the province's that applies
			// there too.
			a.score += regionBonus
		}
		arts = append(arts, a)
		if len(arts) == maxArticles {
			break
		}
	}
	// A question that names a measure ("文旅奖励", "制造业的") prefers its
	// articles: a word of one candidate document's title and not of all.
	titles := map[string]string{}
	for _, a := range arts {
		titles[a.chunk().DocID] = norm.Fold(a.chunk().DocTitle)
	}
	for _, an := range anchors {
		if !an.known || an.weight < minAnchorWeight {
			continue
		}
		in := map[string]bool{}
		for doc, t := range titles {
			for _, alt := range an.alts {
				if strings.Contains(t, alt) {
					in[doc] = true
				}
			}
		}
		if len(in) == 0 || len(in) == len(titles) {
			continue
		}
		for _, a := range arts {
			if in[a.chunk().DocID] {
				a.score += titleBonus
			}
		}
	}
	sortArticles(arts)
	return arts
}

// titleBonus favours the articles of the measure a question names.
const titleBonus = 0.1

// regionBonus favours the articles of the region a question names over
// those of the regions containing it.
const regionBonus = 0.1

// intentFit favours, among articles that cover the question alike, the one
// with the kind of clause the question asks for.
func intentFit(q understood, a *article) float64 {
	fit := 0.0
	// A question about the measure itself (申报时间, 有效期) with no topic of
	// its own is answered by the article that says it, whatever else the
	// question's words match.
	step := 0.08
	if q.docLevel {
		step = 0.3
	}
	add := func(in intent, k policies.ClauseKind) {
		if q.intents.has(in) && a.has(k) {
			fit += step
		}
	}
	add(askDeadline, policies.ClauseProcedure)
	add(askProcedure, policies.ClauseProcedure)
	add(askValidity, policies.ClauseValidity)
	add(askStacking, policies.ClauseStacking)
	if entityRE.MatchString(q.norm) && q.intents.has(askEligible) && a.has(policies.ClauseScope) {
		fit += 0.08
	}
	if exclusionFactRE.MatchString(q.norm) && a.has(policies.ClauseExclusion) {
		fit += 0.08
	}
	switch {
	case a.has(policies.ClauseBenefit) && q.intents.has(askCompute):
		fit += 0.12 // the company's figure needs a clause to apply it to
	case a.has(policies.ClauseBenefit) && q.intents.has(askAmount):
		fit += 0.04
	}
	return fit
}

// entityRE: the question describes what kind of company it is or where it
// is registered — the measure's scope article answers that.
var entityRE = regexp.MustCompile(`我们是|我司是|公司是|企业是|属于|注册|纳税|税务|税收|分公司|子公司|独立法人|法人|外地|外资|个体|不生产|做.{1,8}的|registered|tax registration|branch`)

// exclusionFactRE: the company mentions an accident, a penalty or a credit
// problem — the measure's exclusions answer that.
var exclusionFactRE = regexp.MustCompile(`事故|处罚|罚|失信|黑名单|违法|违规|污染|环保|超标|老赖|受伤|安全|accident|penalt|fine[ds]?\b|blacklist|violation`)

// passageOf is what a question's anchors are matched against: the folded
// article with its document title and chapter.
func passageOf(c retrieval.Chunk) string {
	return norm.Fold(c.DocTitle + " " + c.Chapter + " " + c.Text + " " + c.Department)
}

// reorder returns hits with the ranked articles' chunks first.
func reorder(hits []retrieval.Hit, arts []*article) []retrieval.Hit {
	out := make([]retrieval.Hit, 0, len(hits))
	used := map[string]bool{}
	for _, a := range arts {
		for _, h := range hits {
			if fmt.Sprintf("%s#%d", h.Chunk.DocID, h.Chunk.Article) == a.key() && !used[h.Chunk.ID] {
				out = append(out, h)
				used[h.Chunk.ID] = true
			}
		}
	}
	for _, h := range hits {
		if !used[h.Chunk.ID] {
			out = append(out, h)
		}
	}
	return out
}

// provisions parses a chunk's clauses, once per distinct text.
func (b *Bot) provisions(text string) []policies.Clause {
	if v, ok := b.clauseCache.Load(text); ok {
		return v.([]policies.Clause)
	}
	cs := policies.ParseProvisions(text)
	if b.clauseCount.Add(1) > maxCachedArticles {
		// A corpus that keeps changing would grow the cache without end.
		b.clauseCache.Clear()
		b.clauseCount.Store(0)
	}
	b.clauseCache.Store(text, cs)
	return cs
}

const maxCachedArticles = 20000

// uncoveredRoutes returns the routing topics the question names that none
// of the best ranked articles mentions, neither in the question's words nor
// in the corpus wording of a term that contains them (tax registration →
// 税务征管), nor by another keyword of the topic in its text or title.
func (b *Bot) uncoveredRoutes(evidence string, spans []TermSpan, arts []*article, kind RouteKind) []routeHit {
	var out []routeHit
	rs := []rune(evidence)
	top := arts[:min(len(arts), coverageArticles)]
	for _, h := range b.cfg.Routes.find(evidence, kind) {
		covered := false
		for _, a := range top {
			if strings.Contains(a.passage, h.keyword) || h.coveredBy(a.passage) {
				covered = true
				break
			}
			for _, sp := range spans {
				if sp.Start < 0 || sp.End > len(rs) || !strings.Contains(string(rs[sp.Start:sp.End]), h.keyword) {
					continue
				}
				for _, alt := range sp.Alts {
					if strings.Contains(a.passage, alt) {
						covered = true
					}
				}
			}
		}
		if !covered {
			out = append(out, h)
		}
	}
	return out
}

// coverageArticles is how many of the best ranked articles are looked at to
// tell whether the corpus covers a routing topic.
const coverageArticles = 5

// abroadRE: words of a measure or a question for what is done outside
// mainland China (国内外 names abroad too).
var abroadRE = regexp.MustCompile(`境外|海外|国外|国内外|境内外|海内外|出境|出国|港澳|abroad|overseas|foreign`)

// bothRE: words for China and abroad together.
var bothRE = regexp.MustCompile(`国内外|境内外|海内外`)

// hereRE: words that place what is done in China — 在/去/到 (a place in
// between) 本地, 国内…, or 本地/国内 right before a fair or a warehouse —
// not those that describe the company (区内的外贸企业, a local company;
// 区内 is also the end of 园区内).
var hereRE = regexp.MustCompile(`(在|去|到|赴)[^，,。；;？?！!]{0,3}?(本地|当地|国内|境内)|(本地|国内|境内)的?(展会|展览|仓库|仓)|\b(in china|domestic (fair|exhibition|trade show|warehouse))`)

// placeOfActRE: before a place, the words that make it where something is
// done (去上海参加进博会, 在南京租了个仓库).
var placeOfActRE = regexp.MustCompile(`(在|去|到|赴)$`)

// placeOfCompanyRE: after a place, the words that make it the company's
// (上海总部, 昆山工厂).
var placeOfCompanyRE = regexp.MustCompile(`^的?(总部|工厂|厂|公司|分公司|门店|企业|基地)`)

// domesticFor reports whether the best article's benefits (who: its folded
// subjects) are for what is done abroad (企业参加境外展会, 在境外自建或租赁
// 海外仓) while the question places its own in China, without a word of
// abroad: in a place of the regions table other than the home region and
// those it lies in (去上海参加进博会; 香港, 澳门 and 台湾 count as abroad for
// these measures), or 在本地, 国内的展会. A place the regions table does not
// list (广州) is not read. It returns the place as the question wrote it.
func (b *Bot) domesticFor(q understood, who string) (string, bool) {
	if who == "" || !abroadRE.MatchString(who) || bothRE.MatchString(who) || abroadRE.MatchString(q.norm) {
		return "", false // not a measure for abroad only (国内外知名品牌), or asked of abroad
	}
	if m := hereRE.FindStringSubmatch(q.topicOrNorm()); m != nil {
		for _, w := range []string{m[2], m[3], m[5]} { // the place word itself
			if w != "" {
				return w, true
			}
		}
	}
	regs := policies.DefaultRegions()
	for _, m := range regs.Find(q.norm) {
		if m.Ambiguous || m.Tier || b.cfg.HomeRegion != "" && regs.AppliesIn(m.Region, b.cfg.HomeRegion) {
			continue
		}
		if r := regs.Canonical(m.Region); r == "香港特别行政区" || r == "澳门特别行政区" || r == "台湾省" {
			continue
		}
		before, after := q.norm[:m.Start], q.norm[m.End:]
		if !placeOfActRE.MatchString(before) || registeredBefore(before) || placeOfCompanyRE.MatchString(after) {
			continue // 注册在上海, 我们上海总部: the company's place, not where it acts
		}
		return m.Text, true
	}
	return "", false
}

// abroadOnly is the reply to a question about something done in China that
// only a measure for what is done abroad matches: the measure and its
// article are named, as what exists, not as the answer.
func (b *Bot) abroadOnly(ans Answer, q understood, best *article, place string) Answer {
	ans = b.notCovered(ans, q, best)
	c := best.chunk()
	if q.english {
		ans.Text = fmt.Sprintf("The measures I have support this only when it is done outside mainland China (Article %d of 《%s》); done in China (“%s”), it is not covered. Please ask: %s.", c.Article, c.DocTitle, place, b.cfg.Contact)
	} else {
		ans.Text = fmt.Sprintf("现有政策只支持在境外开展的这类事项（《%s》%s）；您提到的“%s”在境内，不在该条款范围内，现有政策文件中没有对应的支持条款。建议咨询：%s。", c.DocTitle, c.Label, place, b.cfg.Contact)
	}
	return ans
}

// artefactRE: what an application round publishes or asks for, which a
// measure's text rarely states: quotas, the public notice of winners,
// scoring rules, forms, the documents to hand in, an account of the
// portal. (名单 is also what a company enters, 入选名单; where to log in is
// the portal an article may name.)
var artefactRE = regexp.MustCompile(`名额|公示|评审细则|评分细则|打分表|评分表|评分标准|模板|申报书|申请表|材料清单|(哪些|什么|啥)材料|要交什么|审计报告|账号|密码`)

// artefactNoun is the word an article would use for the artefact asked
// about (哪些材料 → 材料).
func artefactNoun(w string) string {
	if strings.HasSuffix(w, "材料") || w == "要交什么" {
		return "材料"
	}
	return w
}

// subjects returns who an article's benefits are for (举办国际级体育赛事,
// 企业参加境外展会); "" when no clause says.
func subjects(a *article) string {
	var out []string
	for _, c := range a.clauses {
		if c.Kind == policies.ClauseBenefit && c.Subject != "" {
			out = append(out, c.Subject)
		}
	}
	return strings.Join(out, "；")
}

// hasConditionFor reports whether an article states conditions of its own
// (thresholds, requirements) rather than only rewarding a designation.
func hasConditionFor(a *article) bool {
	for _, c := range a.clauses {
		if len(c.Thresholds) > 0 || c.Kind == policies.ClauseCondition {
			return true
		}
	}
	return false
}

var definitionRE = regexp.MustCompile(`是指|系指|指的是|包括|包含|以下统称|所称`)

// definesTerm reports whether an article defines something (…是指…).
func definesTerm(a *article) bool { return definitionRE.MatchString(a.chunk().Text) }

// compose writes a confident answer from the best article: the clause(s)
// that answer, the computation with the company's figures, and the general
// provisions of the same document that the question's facts call for.
func (b *Bot) compose(ctx context.Context, q understood, evidence string, weights map[string]float64, best, cur *article) Answer {
	sel := selectClauses(q, best, q.english, weights)
	main := citationOf(best.chunk(), quoteOf(best, sel, q))
	cites := []convlog.Citation{main}
	lead := append(append([]string{}, sel.lead...), sel.notes...)
	if q.english {
		lead = append(b.englishSummary(q, best, sel), lead...)
	}
	if st := b.statusOf(best.chunk()); st != policies.StatusInForce {
		// A past year's measure, asked for by its year: said so, with the
		// measure in force beside it.
		lead = append([]string{outOfForce(q, best.chunk(), st, cur)}, lead...)
		if cur != nil {
			cites = append(cites, citationOf(cur.chunk(), quoteOf(cur, selectClauses(q, cur, q.english, weights), q)))
		}
	}
	for _, l := range b.linked(ctx, q, evidence, best) {
		cites = append(cites, l)
	}
	ans := Answer{Mode: ModeAnswer, Citations: cites}
	ans.Text = b.render(q, lead, cites, false)
	for _, c := range cites {
		if c.Sample {
			ans.Notice = b.notice(q.english)
		}
	}
	if !b.cfg.Hygiene.Clean(ans.Text) {
		// The corpus is checked on the way in; reaching this means injected
		// text slipped through, and it must not reach a company.
		b.cfg.Logger.Error("answer blocked by hygiene check", "chunk", best.chunk().ID)
		return b.notCovered(Answer{}, q, nil)
	}
	return ans
}

// render writes an answer's text: the direct answer lines, then each
// citation with its quote and department.
func (b *Bot) render(q understood, lead []string, cites []convlog.Citation, hedged bool) string {
	var s strings.Builder
	if hedged {
		if q.english {
			s.WriteString("I could not find a clause that clearly answers this. These may be related (they may not match your case; please check with the department):\n")
		} else {
			s.WriteString("没有找到与您的问题完全对应的条款。以下条款可能相关（未必完全对应您的情况，请以部门解释为准）：\n")
		}
	}
	if q.english && !hedged && len(cites) > 0 {
		// The answer itself first, in English; the clause follows as written.
		fmt.Fprintf(&s, "According to %s of the cited measure:\n", englishLabel(cites[0].Label))
	}
	for _, l := range lead {
		s.WriteString(l)
		s.WriteString("\n")
	}
	for i, c := range cites {
		if i > 0 {
			s.WriteString("\n")
		}
		if q.english {
			fmt.Fprintf(&s, "%s of 《%s》 (original Chinese): “%s”", englishLabel(c.Label), c.Title, c.Quote)
			if c.Department != "" {
				fmt.Fprintf(&s, "\nResponsible department: %s", b.englishDepartment(c.Department))
			}
		} else {
			intro := "根据"
			if i > 0 {
				intro = "另据"
			}
			if hedged {
				intro = "可能相关："
			}
			fmt.Fprintf(&s, "%s《%s》%s：“%s”", intro, c.Title, c.Label, c.Quote)
			if c.Department != "" {
				fmt.Fprintf(&s, "\n责任部门：%s", c.Department)
			}
		}
	}
	return strings.TrimSpace(s.String())
}

// linked returns the general provisions of the best article's document
// that the question's facts call for: the scope article when the company
// describes its registration or kind, the exclusions when it mentions an
// accident or a penalty, the stacking, procedure or validity article when
// it asks about those and the best article does not say.
func (b *Bot) linked(ctx context.Context, q understood, evidence string, best *article) []convlog.Citation {
	var want []policies.ClauseKind
	if (entityRE.MatchString(evidence) || regionFactRE.MatchString(evidence)) && !best.has(policies.ClauseScope) {
		want = append(want, policies.ClauseScope)
	}
	if exclusionFactRE.MatchString(evidence) && !best.has(policies.ClauseExclusion) {
		want = append(want, policies.ClauseExclusion)
	}
	if q.intents.has(askStacking) && !best.has(policies.ClauseStacking) {
		want = append(want, policies.ClauseStacking)
	}
	if (q.intents.has(askDeadline) || q.intents.has(askProcedure)) && !best.has(policies.ClauseProcedure) {
		want = append(want, policies.ClauseProcedure)
	}
	if (q.intents.has(askValidity) || beyondValidity(q, best)) && !best.has(policies.ClauseValidity) {
		want = append(want, policies.ClauseValidity)
	}
	if len(want) == 0 {
		return nil
	}
	hits, err := b.cfg.Index.Search(ctx, retrieval.Query{Text: "适用于 不享受 不重复 就高 申报 有效期 施行 " + best.chunk().DocTitle, DocID: best.chunk().DocID, K: 50, IncludeInactive: true})
	if err != nil {
		return nil
	}
	var out []convlog.Citation
	used := map[int]bool{best.chunk().Article: true}
	for _, k := range want {
		for _, h := range hits {
			if used[h.Chunk.Article] {
				continue
			}
			cs := b.provisions(h.Chunk.Text)
			var quote []string
			for _, c := range cs {
				if c.Kind == k || k == policies.ClauseScope && strings.Contains(c.Text, "吴中区内") {
					quote = append(quote, c.Text)
				}
			}
			if len(quote) == 0 {
				continue
			}
			used[h.Chunk.Article] = true
			out = append(out, citationOf(h.Chunk, strings.Join(quote, "")))
			break
		}
		if len(out) >= 2 {
			break
		}
	}
	return out
}

// regionFactRE: the company names a place for its activity (办在吴江, 场地在…).
var regionFactRE = regexp.MustCompile(`场地|地点|放在|办在|在外地|区外|外区|吴江|相城|姑苏|园区|高新区|昆山|常熟|太仓|张家港|上海`)

// beyondValidity reports a question about a year after the document
// expires (2028年还能拿吗).
func beyondValidity(q understood, a *article) bool {
	to := a.chunk().EffectiveTo
	if to.IsZero() {
		return false
	}
	for _, y := range q.years {
		if y > to.Year() {
			return true
		}
	}
	return false
}

// namesMeasure reports an anchor of the question in the title of the best
// article's document (制造业这些政策能用吗).
func namesMeasure(as []anchor, a *article) bool {
	title := norm.Fold(a.chunk().DocTitle)
	for _, an := range as {
		if !an.known || an.weight < 2*minAnchorWeight {
			continue // 政府 in 区政府召开…: not a measure's name
		}
		for _, alt := range an.alts {
			if strings.Contains(title, alt) {
				return true
			}
		}
	}
	return false
}

var paymentRE = regexp.MustCompile(`拨付|到账|兑付|兑现|发放`)

// statesPayment reports whether an article says when or how money is paid.
func statesPayment(a *article) bool {
	for _, c := range a.clauses {
		if paymentRE.MatchString(c.Text) && !strings.Contains(c.Text, "实际到账外资") {
			return true
		}
	}
	return false
}

// departmentReply says the documents do not state what is asked and names
// the department of the measure it is about.
func (b *Bot) departmentReply(ans Answer, q understood, best *article) Answer {
	d := best.chunk().Department
	if d == "" {
		return b.notCovered(ans, q, best)
	}
	ans.Mode = ModeRoute
	ans.Refused = true
	ans.Citations = nil
	ans.RouteTo = d
	if q.english {
		ans.Text = fmt.Sprintf("The policy documents do not state this. %s handles the measure it concerns (《%s》); please ask them, or: %s.", b.englishDepartment(d), best.chunk().DocTitle, b.cfg.Contact)
	} else {
		ans.Text = fmt.Sprintf("政策文件中没有关于这一点的规定。相关措施（《%s》）由%s负责，建议直接咨询%s，或拨打%s。", best.chunk().DocTitle, d, d, b.cfg.Contact)
	}
	return ans
}

// hedge offers the most related clauses, marked as possibly not matching.
func (b *Bot) hedge(ans Answer, q understood, arts []*article) Answer {
	ans.Mode = ModeHedge
	ans.Citations = nil
	for _, a := range arts {
		if len(ans.Citations) == maxHedged || a.m.coverage() < hedgeCoverage/2 {
			break
		}
		ans.Citations = append(ans.Citations, citationOf(a.chunk(), quoteOf(a, selectClauses(q, a, q.english, nil), q)))
	}
	ans.Text = b.render(q, nil, ans.Citations, true)
	for _, c := range ans.Citations {
		if c.Sample {
			ans.Notice = b.notice(q.english)
		}
	}
	if !b.cfg.Hygiene.Clean(ans.Text) {
		return b.notCovered(Answer{Retrieved: ans.Retrieved, Query: ans.Query}, q, nil)
	}
	return ans
}

// notCovered says the documents do not answer the question and who to ask.
// When the best article's department is known and the question is close to
// it, that department is named.
func (b *Bot) notCovered(ans Answer, q understood, best *article) Answer {
	ans.Mode = ModeRefuse
	ans.Refused = true
	ans.Citations = nil
	if q.english {
		ans.Text = "Sorry, the policy documents I have do not cover this question, so I cannot give a reliable answer. Please ask: " + b.cfg.Contact + "."
	} else {
		ans.Text = "抱歉，现有政策文件中没有找到能回答这个问题的条款，无法给出可靠答复。建议咨询：" + b.cfg.Contact + "。"
	}
	return ans
}

// routeReply says the documents do not cover the question and names the
// department that handles its topic.
func (b *Bot) routeReply(ans Answer, q understood, h routeHit) Answer {
	ans.Mode = ModeRoute
	ans.Refused = true
	ans.Citations = nil
	ans.RouteTo = h.route.Department
	contact := h.route.Contact
	if contact == "" {
		contact = b.cfg.Contact
	}
	if q.english {
		ans.Text = fmt.Sprintf("The policy documents I have do not cover this. It is handled by %s (%s); please contact them: %s.", b.englishDepartment(h.route.Department), h.route.Department, contact)
	} else {
		ans.Text = fmt.Sprintf("现有政策文件中没有关于这个问题的条款。该事项由%s负责，建议直接咨询：%s（%s）。", h.route.Department, h.route.Department, contact)
	}
	return ans
}

// chatReply answers greetings, thanks, requests for a person and questions
// about the bot itself.
func (b *Bot) chatReply(q understood) Answer {
	ans := Answer{Mode: ModeChat, Query: q.norm}
	en := q.english
	switch q.chat {
	case chatThanks:
		ans.Text = pick(en, "不客气！还有其他政策问题可以随时问我。", "You're welcome! Ask me any other policy question at any time.")
	case chatBye:
		ans.Text = pick(en, "再见，祝企业发展顺利！", "Goodbye, and all the best to your business!")
	case chatHandover:
		ans.Text = pick(en, "我是自动答复的政策助手，不能直接转接人工。需要人工咨询请联系："+b.cfg.Contact+"。",
			"I am an automated policy assistant and cannot transfer you to a person. For a person, please contact: "+b.cfg.Contact+".")
	case chatIdentity:
		ans.Text = pick(en, "我是吴中区惠企政策问答助手（自动答复的程序，不是人工），根据区里发布的政策文件原文回答企业的问题，并注明出处。",
			"I am an automated assistant for Wuzhong District's enterprise-support policies (a program, not a person). I answer from the policy texts and cite the article.")
		ans.Choices = b.choices(en)
	case chatCapability:
		ans.Text = pick(en, "我可以根据区里的政策文件回答：奖励和补助的标准与金额、申报条件、计算方法、申报时间和责任部门等，每个回答都注明出处。例如可以问：",
			"I answer from the district's policy texts: reward and subsidy amounts, conditions, how amounts are computed, when to apply and which department handles it, always citing the article. For example:")
		ans.Choices = b.choices(en)
	default:
		ans.Text = pick(en, "您好！我是吴中区惠企政策问答助手，可以查询制造业、商务、文体旅等方面的扶持政策。请问想了解什么？",
			"Hello! I answer questions about Wuzhong District's support policies for manufacturing, commerce and culture, sports and tourism. What would you like to know?")
		ans.Choices = b.choices(en)
	}
	return ans
}

// clarifyReply asks the user to narrow a vague question down, offering
// the policy areas as choices.
func (b *Bot) clarifyReply(q understood) Answer {
	ans := Answer{Mode: ModeClarify, Query: q.norm, Choices: b.choices(q.english)}
	ans.Text = pick(q.english, "请问您想了解哪方面的政策？可以说说企业的行业和具体事项（例如“智改数转补助多少”“首店奖励有哪些档次”），或从下面选一个：",
		"Which policy would you like to know about? Tell me your industry and the item (for example \"how much is the smart-manufacturing subsidy\"), or pick one below:")
	return ans
}

// choices are the suggestions offered with clarifying and chat replies.
func (b *Bot) choices(english bool) []Choice {
	if english {
		return []Choice{
			{Label: "Manufacturing", Message: "What support does the manufacturing policy give?"},
			{Label: "Commerce & trade", Message: "What support does the commerce policy give for foreign trade?"},
			{Label: "Culture, sports & tourism", Message: "What support does the culture, sports and tourism policy give?"},
		}
	}
	return []Choice{
		{Label: "制造业政策", Message: "制造业政策有哪些奖励和补助？"},
		{Label: "商务政策", Message: "商务政策对外贸和电商有哪些支持？"},
		{Label: "文体旅政策", Message: "文体旅政策有哪些奖励？"},
		{Label: "申报时间", Message: "这些政策什么时候申报？"},
	}
}

func pick(english bool, zh, en string) string {
	if english {
		return en
	}
	return zh
}

func (b *Bot) notice(english bool) string {
	if english {
		return SampleNoticeEnglish
	}
	return SampleNotice
}

// SampleNoticeEnglish is SampleNotice for an answer in English.
const SampleNoticeEnglish = "Note: the cited document is a sample text for demonstration; the official terms are those of the district government's published document."

// englishLabel writes 第6条 as "Article 6", 第3段 as "Paragraph 3".
func englishLabel(l string) string {
	var n int
	if _, err := fmt.Sscanf(l, "第%d条", &n); err == nil {
		return fmt.Sprintf("Article %d", n)
	}
	if _, err := fmt.Sscanf(l, "第%d段", &n); err == nil {
		return fmt.Sprintf("Paragraph %d", n)
	}
	return l
}

// englishDepartment writes "区工信局、区发改委" as "Wuzhong District Industry
// and Information Technology Bureau (区工信局); Wuzhong District Development
// and Reform Commission (区发改委)" through the glossary.
func (b *Bot) englishDepartment(d string) string {
	var out []string
	for _, part := range strings.FieldsFunc(d, func(r rune) bool { return r == '、' || r == '，' || r == ',' }) {
		part = strings.TrimSpace(part)
		name := strings.TrimPrefix(part, "区")
		if i := strings.IndexAny(name, "（("); i > 0 {
			name = name[:i]
		}
		en := b.cfg.Rewriter.English(name)
		if en == "" {
			out = append(out, part)
			continue
		}
		out = append(out, "Wuzhong District "+titleCase(en)+" ("+part+")")
	}
	return strings.Join(out, "; ")
}

func titleCase(s string) string {
	ws := strings.Fields(s)
	for i, w := range ws {
		if w == "and" || w == "of" || w == "for" {
			continue
		}
		ws[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(ws, " ")
}
