package bot

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"policybot/policies"
	"policybot/policies/amount"
	"policybot/policies/fault"
	"policybot/policies/lang"
	"policybot/policies/norm"
)

// Profile is what a company tells about itself for policy matching
// (政策匹配): where it is registered, its kind, the designations it holds,
// its figures, its investment projects and the events it held. It comes as
// JSON (POST /api/match {"profile": …}) or is read from a sentence
// (ReadProfile); either way the matcher returns the profile it understood,
// so the company can correct it and send it back.
type Profile struct {
	// Region is where the company is registered (吴中区, 相城区, 苏州工业园区
	// …, a name of policies.DefaultRegions); "" means the home region.
	Region string `json:"region,omitempty"`
	// Category is the company's field as the measures are divided:
	// manufacturing, commerce, culture-sports-tourism or other; "" when
	// unknown. A measure of another field does not apply, unless a figure
	// or designation of that field says the company is in it too (an
	// exporting manufacturer is a 外贸企业).
	Category policies.Category `json:"category,omitempty"`
	// Industry is what the company makes or does, in its words (精密零部件).
	Industry string `json:"industry,omitempty"`
	// Traits are short statements true of the company, in the measures'
	// words (规上企业, 增资扩产, 链主企业, 旅行社, 新引进). A condition the
	// matcher asks about is confirmed by sending its text here; Not lists
	// the ones that are false (新引进 for a project that is not).
	Traits []string `json:"traits,omitempty"`
	Not    []string `json:"not,omitempty"`
	// Designations are the titles and ratings the company holds.
	Designations []Designation `json:"designations,omitempty"`
	// Figures are the company's figures of the year applied for, by the
	// keys of Quantities (revenue_yuan, import_export_usd, tickets …), and
	// PreviousYear the same figures a year earlier (to tell a first time,
	// 首次突破, and a growth).
	Figures      map[string]float64 `json:"figures,omitempty"`
	PreviousYear map[string]float64 `json:"previous_year,omitempty"`
	// Projects are investments made or planned. One project may count for
	// several kinds (a line of new equipment that is also 智改数转): the
	// measures it qualifies for are then not paid twice (就高不重复).
	Projects []Project `json:"projects,omitempty"`
	// Events are the events the company held: each is matched on its own
	// (a reward per show).
	Events []Event `json:"events,omitempty"`
	// OtherFigures are figures no key of Quantities names (研发费用, 种植面积):
	// they are matched to a clause by its words and unit, for measures
	// officials upload.
	OtherFigures []OtherFigure `json:"other_figures,omitempty"`
	// Text is free text: read like a sentence (ReadProfile) and added to
	// what the fields say.
	Text string `json:"text,omitempty"`
}

// Designation is a title or rating the company holds (省级专精特新, 4A级景区,
// 四星级饭店, 高新技术企业).
type Designation struct {
	// Name is the designation without its tier (专精特新, 旅游景区, 旅游饭店).
	Name string `json:"name"`
	// Tier is its tier as the measures write it (国家级, 省级, 市级, 区级,
	// 国际级, 5A, 4A, 3A, 五星级, 四星级, 三星级, 甲级, 乙级, 华东); "" when none
	// or unknown.
	Tier string `json:"tier,omitempty"`
	// Year is when it was obtained; 0 when not said.
	Year int `json:"year,omitempty"`
	// New says it was obtained in the year applied for (新认定, 首次认定);
	// nil when not said (then Year decides, if given).
	New *bool `json:"new,omitempty"`
	// FormerTier is the tier held before an upgrade (晋级): a measure that
	// tops up the difference (补足差额) pays the difference.
	FormerTier string `json:"former_tier,omitempty"`
}

// Project is an investment made or planned.
type Project struct {
	Name string `json:"name,omitempty"`
	// Kinds are what the investment is: equipment (设备投资), digital (智改数转:
	// equipment and software), energy (节能降碳技术改造), culture (文化旅游项目
	// fixed assets).
	Kinds      []string `json:"kinds"`
	AmountYuan float64  `json:"amount_yuan"`
	// Planned marks an investment not made yet: its estimate is a forecast.
	Planned bool `json:"planned,omitempty"`
}

// Event is an event the company held (an 演唱会, a 体育赛事).
type Event struct {
	Name string `json:"name,omitempty"`
	// Kind is performance (演唱会, 音乐节, 营业性演出) or sports (体育赛事).
	Kind string `json:"kind"`
	// Tier is the event's level (国际级, 国家级, 省级) when it has one.
	Tier string `json:"tier,omitempty"`
	// Tickets is the tickets sold for one show.
	Tickets float64 `json:"tickets,omitempty"`
}

// OtherFigure is a figure named in words: 研发费用 5000000 元.
type OtherFigure struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// Quantity is a figure a company can give by key in Profile.Figures.
type Quantity struct {
	Key string `json:"key"`
	// Label and English name it for people.
	Label   string `json:"label"`
	English string `json:"english"`
	// Unit is the unit of its value: 元, 美元, 张, 人次, 平方米, 年.
	Unit string `json:"unit"`

	// clause recognises the quantity in the words of a clause's threshold
	// or base (年营业收入, 展位费); context, when set, in the rest of the
	// clause for generic words (投入 in a 节能降碳 clause).
	clause, context *regexp.Regexp
	// sentence recognises it in the words before a figure in a company's
	// sentence (营收, 设备投了).
	sentence *regexp.Regexp
	// category is the field a figure of it puts the company in (an export
	// figure: commerce); "" for none.
	category policies.Category
	// claims are words of qualifying conditions a figure of it confirms: a
	// booth fee means the company attended a fair abroad.
	claims []string
	// project is the kind of Project it is (equipment …); "" for none.
	project string
	// perEvent: a figure of one event (tickets of one show).
	perEvent bool
}

// Quantities are the keys of Profile.Figures, most specific first (the
// order the matcher tries them in).
var Quantities = []*Quantity{
	{Key: "cross_border_usd", Label: "跨境电商进出口额", English: "cross-border e-commerce trade", Unit: "美元",
		clause: regexp.MustCompile(`跨境电商`), sentence: regexp.MustCompile(`跨境|亚马逊|amazon|tiktok|独立站|速卖通|temu|shein`),
		category: policies.Commerce, claims: []string{"跨境电商企业"}},
	{Key: "import_export_growth_usd", Label: "进出口额较上年增量", English: "growth of imports and exports", Unit: "美元",
		clause: regexp.MustCompile(`(进出口|出口|外贸).{0,6}(增量|增加|增长)|^增量`), sentence: regexp.MustCompile(`(进出口|出口|外贸).{0,8}(多了|增加了?|增长了?|增量|比(去年|上年)多)`),
		category: policies.Commerce, claims: []string{"外贸企业"}},
	{Key: "import_export_usd", Label: "年度进出口额", English: "imports and exports", Unit: "美元",
		clause: regexp.MustCompile(`进出口|出口额|外贸`), sentence: regexp.MustCompile(`进出口|出口|外贸|进口|export|import|trade`),
		category: policies.Commerce, claims: []string{"外贸企业"}},
	{Key: "offshore_outsourcing_usd", Label: "离岸服务外包执行额", English: "offshore service outsourcing", Unit: "美元",
		clause: regexp.MustCompile(`离岸|服务外包`), sentence: regexp.MustCompile(`离岸|外包`),
		category: policies.Commerce, claims: []string{"服务外包", "数字贸易", "服务贸易企业"}},
	{Key: "foreign_capital_usd", Label: "当年实际到账外资", English: "foreign capital received", Unit: "美元",
		clause: regexp.MustCompile(`外资`), sentence: regexp.MustCompile(`外资|到账|外方|fdi`),
		category: policies.Commerce, claims: []string{"外资项目", "新设或增资的外资项目"}},
	{Key: "online_retail_yuan", Label: "年度网络零售额", English: "online retail sales", Unit: "元",
		clause: regexp.MustCompile(`网络零售|网零`), sentence: regexp.MustCompile(`网络零售|网上零售|网零|直播|带货|线上销售|电商销售|网店`),
		category: policies.Commerce, claims: []string{"电商企业"}},
	{Key: "booth_fee_yuan", Label: "境外展会展位费", English: "booth fees at fairs abroad", Unit: "元",
		clause: regexp.MustCompile(`展位费|展位`), sentence: regexp.MustCompile(`展位|展费|参展|展会|booth|fair|exhibition`),
		category: policies.Commerce, claims: []string{"参加境外展会"}},
	{Key: "credit_insurance_premium_yuan", Label: "出口信用保险保费", English: "export credit insurance premiums", Unit: "元",
		clause: regexp.MustCompile(`保费`), sentence: regexp.MustCompile(`保费|信保|信用保险|中信保`),
		category: policies.Commerce, claims: []string{"投保短期出口信用保险"}},
	{Key: "warehouse_area_sqm", Label: "海外仓单仓面积", English: "overseas warehouse area (one warehouse)", Unit: "平方米",
		clause: regexp.MustCompile(`仓`), sentence: regexp.MustCompile(`仓`),
		category: policies.Commerce, claims: []string{"海外仓"}},
	{Key: "warehouse_investment_yuan", Label: "海外仓当年实际投入", English: "overseas warehouse investment", Unit: "元",
		clause: regexp.MustCompile(`海外仓`), context: regexp.MustCompile(`海外仓`), sentence: regexp.MustCompile(`海外仓|仓库|仓`),
		category: policies.Commerce, claims: []string{"海外仓"}},
	{Key: "store_area_sqm", Label: "首店面积", English: "first-store floor area", Unit: "平方米",
		clause: regexp.MustCompile(`店`), sentence: regexp.MustCompile(`店|门店|铺`),
		category: policies.Commerce},
	{Key: "tickets", Label: "单场售票", English: "tickets sold (one show)", Unit: "张",
		clause: regexp.MustCompile(`票`), sentence: regexp.MustCompile(`票|观众`),
		category: policies.CultureSportsTourism, claims: []string{"演唱会", "音乐节", "营业性演出"}, perEvent: true},
	{Key: "tourists_overnight", Label: "年度过夜游客", English: "overnight tourists brought (a year)", Unit: "人次",
		clause: regexp.MustCompile(`游客|过夜`), sentence: regexp.MustCompile(`游客|过夜|团|客人|人次`),
		category: policies.CultureSportsTourism, claims: []string{"组织游客"}},
	{Key: "culture_investment_yuan", Label: "文化旅游项目固定资产投资", English: "culture and tourism project investment", Unit: "元",
		clause: regexp.MustCompile(`文化旅游|文旅`), context: regexp.MustCompile(`文化旅游项目|文旅项目`),
		sentence: regexp.MustCompile(`文旅|文化旅游|景区|度假|乐园|固定资产`),
		category: policies.CultureSportsTourism, claims: []string{"文化旅游项目"}, project: "culture"},
	{Key: "digital_investment_yuan", Label: "智改数转设备和软件投入", English: "smart and digital upgrade investment (智改数转)", Unit: "元",
		clause: regexp.MustCompile(`软件|智改数转|智能化改造|数字化`), context: regexp.MustCompile(`智改数转|智能化改造|数字化转型`),
		sentence: regexp.MustCompile(`智改数转|智能化改造|数字化|软件|erp|mes|自动化|产线改造|信息化|工业互联网`),
		category: policies.Manufacturing, claims: []string{"智能化改造", "数字化转型", "智改数转"}, project: "digital"},
	{Key: "energy_investment_yuan", Label: "节能降碳技术改造投入", English: "energy-saving retrofit investment", Unit: "元",
		clause: regexp.MustCompile(`节能|降碳`), context: regexp.MustCompile(`节能|降碳`),
		sentence: regexp.MustCompile(`节能|降碳|减排|光伏|余热|技改|技术改造`),
		category: policies.Manufacturing, claims: []string{"节能降碳技术改造", "节能降碳"}, project: "energy"},
	{Key: "equipment_investment_yuan", Label: "当年设备投资", English: "equipment investment", Unit: "元",
		clause: regexp.MustCompile(`设备投资|设备`), sentence: regexp.MustCompile(`设备|机器|机床|生产线|产线|equipment|machinery`),
		category: policies.Manufacturing, project: "equipment"},
	{Key: "procurement_increase_yuan", Label: "新增本地配套采购额", English: "new local procurement", Unit: "元",
		clause: regexp.MustCompile(`采购`), sentence: regexp.MustCompile(`采购`),
		category: policies.Manufacturing},
	{Key: "first_set_sales_yuan", Label: "首台（套）产品首年度销售额", English: "first-year sales of a first-of-its-kind product", Unit: "元",
		clause: regexp.MustCompile(`首年度销售|首台`), sentence: regexp.MustCompile(`首台|首套`),
		category: policies.Manufacturing},
	{Key: "revenue_yuan", Label: "年营业收入", English: "annual revenue", Unit: "元",
		clause: regexp.MustCompile(`营业收入|营收|销售收入`), sentence: regexp.MustCompile(`营收|营业收入|营业额|销售额|收入|产值|销售|流水|做到|做了|规模|revenue|turnover|sales`)},
	{Key: "operating_years", Label: "持续经营年限", English: "years in operation", Unit: "年",
		clause: regexp.MustCompile(`经营`), sentence: regexp.MustCompile(`经营|成立|开业|营业|开了`)},
}

// quantityByKey returns the quantity of a key of Profile.Figures.
func quantityByKey(key string) *Quantity {
	for _, q := range Quantities {
		if q.Key == key {
			return q
		}
	}
	return nil
}

// projectKinds maps Project.Kinds to their quantities.
var projectKinds = map[string]string{
	"equipment": "equipment_investment_yuan",
	"digital":   "digital_investment_yuan",
	"energy":    "energy_investment_yuan",
	"culture":   "culture_investment_yuan",
}

// eventKinds are Event.Kind and the designation each is matched as.
var eventKinds = map[string]string{
	"performance": "营业性演出",
	"sports":      "体育赛事",
}

// Limits of a profile: more than this is not a company describing itself.
const (
	maxProfileItems    = 50
	maxProfileTextRune = 2000
	maxNameRunes       = 60
)

// tierNames are the tiers a Designation or an Event may give, with the
// canonical form (TierOf's).
var tierNames = map[string]string{
	"国际级": "国际级", "国家级": "国家级", "省级": "省级", "市级": "市级", "区级": "区级",
	"5A": "5A", "4A": "4A", "3A": "3A", "5a": "5A", "4a": "4A", "3a": "3A",
	"五星级": "五星级", "四星级": "四星级", "三星级": "三星级", "五星": "五星级", "四星": "四星级", "三星": "三星级",
	"甲级": "甲级", "乙级": "乙级", "华东": "华东", "国家": "国家级", "省": "省级", "市": "市级", "区": "区级",
	"national": "国家级", "provincial": "省级", "city": "市级", "district": "区级", "international": "国际级",
}

// canonicalTier returns the canonical form of a tier as a profile writes
// it; false for one the measures do not use.
func canonicalTier(s string) (string, bool) {
	s = strings.TrimSpace(norm.Fold(s))
	if s == "" {
		return "", true
	}
	if t, ok := tierNames[s]; ok {
		return t, true
	}
	if t, ok := tierNames[strings.ToUpper(s)]; ok {
		return t, true
	}
	if t := policies.TierOf(s); t != "" {
		return t, true
	}
	return "", false
}

// CodeBadProfile is the code of a profile or matching request the bot
// cannot take (a fault.Invalid); its message says which part, in English
// and in Chinese for the company.
const CodeBadProfile = "bad_profile"

// invalidf is that refusal; args fill both messages.
func invalidf(en, zh string, args ...any) error {
	return fault.New(fault.Invalid, CodeBadProfile, lang.T(fmt.Sprintf(en, args...), fmt.Sprintf(zh, args...)))
}

// Check validates p and puts it in canonical form: the region's canonical
// name, canonical tiers, trimmed names, known keys. It returns an error
// wrapping ErrInvalid that says, in English and Chinese, what is wrong.
func (p *Profile) Check() error {
	if p.Region = strings.TrimSpace(p.Region); p.Region != "" {
		r, ok := policies.DefaultRegions().Lookup(norm.Fold(p.Region))
		if !ok {
			return invalidf("region %q is not a region this service knows; write it as 吴中区, 相城区, 苏州市 …", "无法识别地区“%s”，请写作吴中区、相城区、苏州市等", p.Region)
		}
		p.Region = r.Name
	}
	if p.Category != "" && !p.Category.Valid() {
		return invalidf("category %q is not one of manufacturing, commerce, culture-sports-tourism, other", "行业类别“%s”无效，应为 manufacturing、commerce、culture-sports-tourism 或 other", string(p.Category))
	}
	if utf8.RuneCountInString(p.Text) > maxProfileTextRune {
		return invalidf("text has more than %d characters", "文字描述超过%d字", maxProfileTextRune)
	}
	if n := max(len(p.Traits), len(p.Not), len(p.Designations), len(p.Projects), len(p.Events), len(p.OtherFigures), len(p.Figures), len(p.PreviousYear)); n > maxProfileItems {
		return invalidf("a list of the profile has %d entries; at most %d are taken", "企业信息中某一项列了%d条，最多%d条", n, maxProfileItems)
	}
	p.Industry = clipName(p.Industry)
	p.Traits = cleanList(p.Traits)
	p.Not = cleanList(p.Not)
	for i := range p.Designations {
		d := &p.Designations[i]
		d.Name = clipName(d.Name)
		if d.Name == "" {
			return invalidf("designations[%d] has no name", "第%d项资质没有名称", i)
		}
		tier, ok := canonicalTier(d.Tier)
		if !ok {
			return invalidf("designations[%d]: tier %q is not one the measures use (国家级, 省级, 市级, 5A, 四星级, 甲级 …)", "第%d项资质的级别“%s”无法识别（应为国家级、省级、市级、5A、四星级、甲级等）", i, d.Tier)
		}
		former, ok := canonicalTier(d.FormerTier)
		if !ok {
			return invalidf("designations[%d]: former_tier %q is not one the measures use", "第%d项资质的原级别“%s”无法识别", i, d.FormerTier)
		}
		d.Tier, d.FormerTier = tier, former
		if d.Year != 0 && (d.Year < 1950 || d.Year > 2100) {
			return invalidf("designations[%d]: year %d is not a year", "第%d项资质的年份%d无效", i, d.Year)
		}
		if d.Tier == "" {
			// 省级专精特新 written as the name: the tier is in it.
			if t := policies.TierOf(strings.ToUpper(d.Name)); t != "" {
				d.Tier = t
			}
		}
	}
	for _, m := range []map[string]float64{p.Figures, p.PreviousYear} {
		for k, v := range m {
			if quantityByKey(k) == nil {
				return invalidf("figures: unknown key %q; the keys are %s (others go to other_figures with a name and unit)", "数据项“%s”无法识别；可用的有：%s（其他数据请写在 other_figures 中，注明名称和单位）", k, strings.Join(quantityKeys(), ", "))
			}
			if err := checkValue(k, v); err != nil {
				return err
			}
		}
	}
	for i := range p.Projects {
		pr := &p.Projects[i]
		pr.Name = clipName(pr.Name)
		if len(pr.Kinds) == 0 {
			return invalidf("projects[%d] has no kinds (equipment, digital, energy, culture)", "第%d个项目没有注明类型（equipment、digital、energy、culture）", i)
		}
		for _, k := range pr.Kinds {
			if _, ok := projectKinds[k]; !ok {
				return invalidf("projects[%d]: kind %q is not one of equipment, digital, energy, culture", "第%d个项目的类型“%s”无效，应为 equipment、digital、energy 或 culture", i, k)
			}
		}
		if err := checkValue(fmt.Sprintf("projects[%d].amount_yuan", i), pr.AmountYuan); err != nil {
			return err
		}
	}
	for i := range p.Events {
		e := &p.Events[i]
		e.Name = clipName(e.Name)
		if _, ok := eventKinds[e.Kind]; !ok {
			return invalidf("events[%d]: kind %q is not performance or sports", "第%d项活动的类型“%s”无效，应为 performance（演出）或 sports（体育赛事）", i, e.Kind)
		}
		tier, ok := canonicalTier(e.Tier)
		if !ok {
			return invalidf("events[%d]: tier %q is not one the measures use (国际级, 国家级, 省级)", "第%d项活动的级别“%s”无法识别", i, e.Tier)
		}
		e.Tier = tier
		if err := checkValue(fmt.Sprintf("events[%d].tickets", i), e.Tickets); err != nil {
			return err
		}
	}
	for i := range p.OtherFigures {
		o := &p.OtherFigures[i]
		o.Name, o.Unit = clipName(o.Name), strings.TrimSpace(o.Unit)
		if o.Name == "" || o.Unit == "" {
			return invalidf("other_figures[%d] needs a name and a unit (元, 美元, 亩 …)", "other_figures 第%d项需要名称和单位（元、美元、亩等）", i)
		}
		if err := checkValue(o.Name, o.Value); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1e15 {
		return invalidf("%s: %v is not a figure (it must be a number from 0 to 10^15)", "%s：%v 不是有效数值（应为0到10^15之间的数）", name, v)
	}
	return nil
}

func quantityKeys() []string {
	var out []string
	for _, q := range Quantities {
		out = append(out, q.Key)
	}
	sort.Strings(out)
	return out
}

func clipName(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxNameRunes {
		s = string([]rune(s)[:maxNameRunes])
	}
	return s
}

func cleanList(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = clipName(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// merge adds what o says and p does not (a sentence read into a profile
// given as JSON): p's own fields win.
func (p *Profile) merge(o Profile) {
	if p.Region == "" {
		p.Region = o.Region
	}
	if p.Category == "" {
		p.Category = o.Category
	}
	if p.Industry == "" {
		p.Industry = o.Industry
	}
	for _, t := range o.Traits {
		if !slices.Contains(p.Traits, t) {
			p.Traits = append(p.Traits, t)
		}
	}
	for _, t := range o.Not {
		if !slices.Contains(p.Not, t) {
			p.Not = append(p.Not, t)
		}
	}
	for _, d := range o.Designations {
		if !slices.ContainsFunc(p.Designations, func(e Designation) bool { return e.Name == d.Name }) {
			p.Designations = append(p.Designations, d)
		}
	}
	for _, fm := range []struct{ to, from *map[string]float64 }{{&p.Figures, &o.Figures}, {&p.PreviousYear, &o.PreviousYear}} {
		for k, v := range *fm.from {
			if _, ok := (*fm.to)[k]; !ok {
				if *fm.to == nil {
					*fm.to = map[string]float64{}
				}
				(*fm.to)[k] = v
			}
		}
	}
	if len(p.Projects) == 0 {
		p.Projects = o.Projects
	}
	if len(p.Events) == 0 {
		p.Events = o.Events
	}
	if len(p.OtherFigures) == 0 {
		p.OtherFigures = o.OtherFigures
	}
}

// fact is one figure of a subject the matcher compares with clauses.
type fact struct {
	q *Quantity // nil for an OtherFigure
	// name is an OtherFigure's name (folded); unit the value's unit.
	name        string
	value       float64
	unit        string
	previous    float64
	hasPrevious bool
	// project is the index of the Project the figure is of, or -1: the
	// measures two figures of one project qualify for are not paid twice.
	project int
	planned bool
	// source says where in the profile it is (figures.revenue_yuan,
	// projects[0]), for the working.
	source string
}

// label names the fact for people (年营业收入, 研发费用).
func (f fact) label() string {
	if f.q != nil {
		return f.q.Label
	}
	return f.name
}

// display writes the fact's value with its unit (8亿元, 1.5万张).
func (f fact) display() string { return amount.Format(f.value, f.unit) }

// subject is what is matched at once: the company, or one of its events.
type subject struct {
	// event is the index of the event, -1 for the company.
	event        int
	name         string
	facts        []fact
	designations []Designation
}

// subjects returns the company and each of its events as the matcher sees
// them: their figures as facts, and an event as a designation of its kind
// (举办国家级体育赛事).
func (p Profile) subjects() []subject {
	co := subject{event: -1, designations: p.Designations}
	keys := make([]string, 0, len(p.Figures))
	for k := range p.Figures {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		q := quantityByKey(k)
		f := fact{q: q, value: p.Figures[k], unit: q.Unit, project: -1, source: "figures." + k}
		if v, ok := p.PreviousYear[k]; ok {
			f.previous, f.hasPrevious = v, true
		}
		if q.project != "" {
			// A figure of an investment is a project of its own.
			f.project = 1000 + len(co.facts)
		}
		co.facts = append(co.facts, f)
	}
	// A growth the company did not give is this year's figure less last
	// year's.
	if _, ok := p.Figures["import_export_growth_usd"]; !ok {
		cur, ok1 := p.Figures["import_export_usd"]
		prev, ok2 := p.PreviousYear["import_export_usd"]
		if ok1 && ok2 && cur > prev {
			co.facts = append(co.facts, fact{q: quantityByKey("import_export_growth_usd"), value: cur - prev, unit: "美元", project: -1,
				source: "figures.import_export_usd − previous_year.import_export_usd"})
		}
	}
	for i, pr := range p.Projects {
		for _, k := range pr.Kinds {
			q := quantityByKey(projectKinds[k])
			co.facts = append(co.facts, fact{q: q, value: pr.AmountYuan, unit: "元", project: i, planned: pr.Planned,
				source: fmt.Sprintf("projects[%d]", i)})
		}
	}
	for _, o := range p.OtherFigures {
		co.facts = append(co.facts, fact{name: norm.Fold(o.Name), value: o.Value, unit: o.Unit, project: -1, source: "other_figures." + o.Name})
	}
	out := []subject{co}
	for i, e := range p.Events {
		s := subject{event: i, name: e.Name}
		if s.name == "" {
			s.name = eventKinds[e.Kind]
		}
		s.designations = []Designation{{Name: eventKinds[e.Kind], Tier: e.Tier, New: boolPtr(true)}}
		if e.Tickets > 0 {
			s.facts = append(s.facts, fact{q: quantityByKey("tickets"), value: e.Tickets, unit: "张", project: -1,
				source: fmt.Sprintf("events[%d].tickets", i)})
		}
		out = append(out, s)
	}
	return out
}

func boolPtr(b bool) *bool { return &b }
