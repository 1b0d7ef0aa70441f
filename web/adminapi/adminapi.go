// Package adminapi is the admin API's JSON, written once: the server
// (web's admin handlers) encodes these types and its clients (policybot
// docs) decode them. web/ADMIN_API.md documents them.
//
// Times are RFC 3339 in China Standard Time, dates YYYY-MM-DD; unset
// values are left out. A message people read comes in both languages: the
// English (or "English (中文)", as the command line prints it) beside its
// Chinese (the _zh field). A program acts on a code, never on the words.
//
// The package imports nothing, so a client need not import the server.
package adminapi

// The error codes of the admin API a client acts on (Error.Code); the
// others are the server's general ones (invalid_request, not_found,
// conflict, unprocessable, too_large, unauthorized, forbidden …).
const (
	// CodeAdminOff: the server has no admin token; the message says what
	// to set. Status 404.
	CodeAdminOff = "admin_off"
	// CodeStale: a publish made on an outdated view of the document; the
	// body is a Stale. Status 409.
	CodeStale = "stale_version"
)

// Error is the body of every error answer.
type Error struct {
	Error   string `json:"error"`
	ErrorZh string `json:"error_zh"`
	Code    string `json:"code"`
}

// Stale is the 409 of a publish on an outdated view: what the official
// saw, what is current now, who changed it and what changed.
type Stale struct {
	Error          string `json:"error"`
	ErrorZh        string `json:"error_zh"`
	Code           string `json:"code"` // CodeStale
	ID             string `json:"id"`
	BaseVersion    int    `json:"base_version"`
	CurrentVersion int    `json:"current_version"`
	ChangedBy      string `json:"changed_by,omitempty"`
	ChangedAt      string `json:"changed_at,omitempty"`
	Diff           *Diff  `json:"diff"`
}

// Session is GET /admin/api/session and the answer to a sign-in: who is
// signed in, and for a page session its CSRF token and expiry.
type Session struct {
	Name      string `json:"name"`
	CSRFToken string `json:"csrf_token,omitempty"`
	ExpiresAt string `json:"expires_at,omitempty"`
}

// Login is the JSON body of POST /admin/login (a form field does too).
type Login struct {
	Token string `json:"token"`
}

// Article is one article of a version.
type Article struct {
	Number     int    `json:"number"`
	Label      string `json:"label"`
	Chapter    string `json:"chapter,omitempty"`
	Text       string `json:"text"`
	Department string `json:"department,omitempty"`
	StartLine  int    `json:"start_line,omitempty"`
	EndLine    int    `json:"end_line,omitempty"`
	// Provisions are what the bot understands of each clause (the tier, the
	// amount, the thresholds …), for the official to check before
	// publishing; null in a Diff.
	Provisions []Provision `json:"provisions"`
}

// Provision is one clause of an article as the bot reads it.
type Provision struct {
	Kind     string `json:"kind"`
	Text     string `json:"text"`
	Describe string `json:"describe"`
}

// Finding is one problem found in a version.
type Finding struct {
	Severity string `json:"severity"` // error, warning
	// Code is what kind of problem (spam, field, article, file,
	// no_front_matter …; ADMIN_API.md lists them).
	Code string `json:"code"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
	// Message is in both languages (English, then the Chinese in
	// brackets), as the command line prints it; MessageZh is the Chinese.
	Message   string `json:"message"`
	MessageZh string `json:"message_zh"`
	Match     string `json:"match,omitempty"`
	// Missing is the required front matter field the finding says is
	// missing (id, title, category).
	Missing string `json:"missing,omitempty"`
}

// Source is the file a version was converted from.
type Source struct {
	Name   string `json:"name,omitempty"`
	Type   string `json:"type,omitempty"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
}

// Scope is a document's scope (policies/FORMAT.md): region, level, year,
// the status it declares, and which of them the parser inferred from the
// issuer, title or dates rather than read from the file.
type Scope struct {
	Region     string   `json:"region,omitempty"`
	Level      string   `json:"level,omitempty"`
	LevelLabel string   `json:"level_label,omitempty"` // 区/县级市, 市, 省, 国家
	Year       int      `json:"year,omitempty"`
	Status     string   `json:"doc_status,omitempty"`
	Inferred   []string `json:"scope_inferred,omitempty"`
}

// DocVersion is one version of a document with what the parser read from
// it: the answer of publish, retire and rollback, and part of the others.
type DocVersion struct {
	ID string `json:"id"`
	// Version and Status are left out for an upload that was not stored.
	Version        int    `json:"version,omitempty"`
	Status         string `json:"status,omitempty"` // draft, published, retired, superseded
	Live           bool   `json:"live"`
	Publishable    bool   `json:"publishable"`
	Title          string `json:"title"`
	Category       string `json:"category,omitempty"`
	Issuer         string `json:"issuer,omitempty"`
	DocNo          string `json:"doc_no,omitempty"`
	PublishedOn    string `json:"published_on,omitempty"` // the front matter's published date
	EffectiveFrom  string `json:"effective_from,omitempty"`
	EffectiveTo    string `json:"effective_to,omitempty"`
	LeadDepartment string `json:"lead_department,omitempty"`
	Sample         bool   `json:"sample"`
	Supersedes     string `json:"supersedes,omitempty"`
	SourceURL      string `json:"source_url,omitempty"`
	CiteBy         string `json:"cite_by,omitempty"`
	Type           string `json:"type,omitempty"`
	Source         Source `json:"source"`
	// BasedOn is the version a rollback copied.
	BasedOn     int       `json:"based_on,omitempty"`
	CreatedBy   string    `json:"created_by,omitempty"`
	CreatedAt   string    `json:"created_at,omitempty"`
	PublishedAt string    `json:"published_at,omitempty"`
	RetiredFrom string    `json:"retired_from,omitempty"`
	Articles    []Article `json:"articles"`
	// Errors block publishing; Findings are the spam check's (each an
	// error too) and the parser's warnings; Warnings are notes.
	Errors   []Finding `json:"errors"`
	Findings []Finding `json:"findings"`
	Warnings []string  `json:"warnings"`
	// WarningsZh are the Chinese of Warnings, one for one.
	WarningsZh []string `json:"warnings_zh"`
	Markdown   string   `json:"markdown,omitempty"`
	// The scope (region, level, year, declared status).
	Scope
}

// Upload is the answer to an upload (201, or 422 when the version does
// not validate): the version with its text, and whether it went live;
// Error and ErrorZh say why not.
type Upload struct {
	DocVersion
	Published bool   `json:"published"`
	Diff      *Diff  `json:"diff"`
	Error     string `json:"error,omitempty"`
	ErrorZh   string `json:"error_zh,omitempty"`
}

// Change is an article in a Diff: an added or removed one is the article
// itself; a changed one has Old and New beside.
type Change struct {
	Article
	Old *Article `json:"old,omitempty"`
	New *Article `json:"new,omitempty"`
}

// FieldChange is a front matter field that changed.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Diff is what changed from version From to version To, article by
// article (matched by number).
type Diff struct {
	From    int           `json:"from"`
	To      int           `json:"to"`
	Added   []Change      `json:"added"`
	Removed []Change      `json:"removed"`
	Changed []Change      `json:"changed"`
	Fields  []FieldChange `json:"fields"`
}

// Summary is a document in the list. Status is what the document is now: a
// document retired from a future date is still "published", with
// RetiredFrom set.
type Summary struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	Category      string `json:"category,omitempty"`
	Status        string `json:"status"`
	Live          bool   `json:"live"`
	Version       int    `json:"version"`
	Current       int    `json:"current_version"`
	Latest        int    `json:"latest_version"`
	Draft         int    `json:"draft_version,omitempty"`
	Versions      int    `json:"versions"`
	Articles      int    `json:"articles"`
	EffectiveFrom string `json:"effective_from,omitempty"`
	EffectiveTo   string `json:"effective_to,omitempty"`
	Sample        bool   `json:"sample"`
	Region        string `json:"region,omitempty"`
	Year          int    `json:"year,omitempty"`
	RetiredFrom   string `json:"retired_from,omitempty"`
	UpdatedAt     string `json:"updated_at,omitempty"`
	UpdatedBy     string `json:"updated_by,omitempty"`
}

// Documents is GET /admin/api/documents.
type Documents struct {
	Documents []Summary `json:"documents"`
}

// Document is GET /admin/api/documents/{id}[?version=N]: the document, its
// versions (without text), one version in full, and that version's diff
// from the current one (when it is another).
type Document struct {
	Document Summary      `json:"document"`
	Versions []DocVersion `json:"versions"`
	Version  DocVersion   `json:"version"`
	Diff     *Diff        `json:"diff,omitempty"`
}

// HistoryEntry is one version in the history, with its diff from the one
// before.
type HistoryEntry struct {
	DocVersion
	Diff *Diff `json:"diff"`
}

// History is GET /admin/api/documents/{id}/versions, oldest first.
type History struct {
	ID       string         `json:"id"`
	Current  int            `json:"current"`
	Versions []HistoryEntry `json:"versions"`
}

// AuditEntry is one change to the corpus.
type AuditEntry struct {
	ID          int64  `json:"id"`
	At          string `json:"at"`
	Who         string `json:"who"`
	Action      string `json:"action"` // seed, upload, publish, retire, rollback
	Doc         string `json:"doc"`
	FromVersion int    `json:"from_version"`
	ToVersion   int    `json:"to_version"`
	// Version is the version acted on: ToVersion, or FromVersion for a
	// retirement.
	Version int `json:"version"`
	// Detail says more (the file, the version a rollback copied, a
	// date), in English; DetailZh in Chinese.
	Detail   string `json:"detail,omitempty"`
	DetailZh string `json:"detail_zh,omitempty"`
}

// Audit is GET /admin/api/audit, newest first.
type Audit struct {
	Entries []AuditEntry `json:"entries"`
}

// Insight is a group of similar questions the corpus is missing.
type Insight struct {
	Question   string   `json:"question"`
	Count      int      `json:"count"`
	Refused    int      `json:"refused"`
	ThumbsDown int      `json:"thumbs_down"`
	Examples   []string `json:"examples"`
	Comments   []string `json:"comments"`
	FirstAt    string   `json:"first_at"`
	LastAt     string   `json:"last_at"`
}

// Insights is GET /admin/api/insights.
type Insights struct {
	Days   int       `json:"days"`
	Since  string    `json:"since"`
	Groups []Insight `json:"groups"`
}

// MatchInsights is GET /admin/api/insights/matches: of the policy
// matchings (政策匹配) of the last Days days, how many matched nothing, the
// profiles that did (grouped by what they said, most frequent first) and
// the conditions most often left open.
type MatchInsights struct {
	Days              int              `json:"days"`
	Since             string           `json:"since"`
	Matchings         int              `json:"matchings"`
	NoMatch           int              `json:"no_match"`
	EmptyProfiles     []ProfileCount   `json:"empty_profiles"`
	UnknownConditions []ConditionCount `json:"unknown_conditions"`
}

// ProfileCount is a kind of profile that matched nothing, and how often.
type ProfileCount struct {
	Profile string `json:"profile"`
	Count   int    `json:"count"`
	LastAt  string `json:"last_at"`
}

// ConditionCount is a condition left open, and how often.
type ConditionCount struct {
	Condition string `json:"condition"`
	Count     int    `json:"count"`
}
