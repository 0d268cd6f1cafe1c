"""Boilerplate on Indonesian news pages, as data: what to prune before trafilatura runs and
which text lines to drop after it.

Each group says what it is for. Rules describe a phenomenon seen across many templates
("a paragraph that is only a 'Baca juga' link"), never one site's markup. Adding a site quirk
should usually mean adding one token or one phrase here; ``prune.py`` and ``lines.py``
apply them.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------------------------------------
# 1. Pre-extraction pruning: class/id tokens.
#    class and id values are split into tokens on spaces, "-" and "_" ("baca-juga" ->
#    "baca", "juga"); an element is pruned when one of its tokens (or a token pair, for the
#    two-word entries) is listed here, unless it is a protected container (section 2).
# ---------------------------------------------------------------------------------------------

#: "read also" link boxes inside the story (Indonesian portals' inline related links).
READ_ALSO_TOKENS: tuple[str, ...] = (
    "baca",
    "bacajuga",
    "baca juga",
    "bacajg",
    "lihatjg",
    "lihatjuga",
    "lihat juga",
    "simakjuga",
    "simak juga",
    "linksisip",
    "link sisip",
    "sisip",
    "inline related",
    "related inline",
    "readalso",
    "read also",
    "also read",
    "alsoread",
    "baca lainnya",
    "bacalainnya",
)

#: related / more-news lists around the story.
RELATED_TOKENS: tuple[str, ...] = (
    "terkait",
    "beritaterkait",
    "berita terkait",
    "related",
    "relatedposts",
    "related posts",
    "rekomendasi",
    "recommended",
    "recommendation",
    "populer",
    "terpopuler",
    "popular",
    "most popular",
    "mostpopular",
    "terkini",
    "lainnya",
    "beritalainnya",
    "more stories",
    "yarpp",
    "jp relatedposts",
    "crp related",
    "td related",
    "post nav",
    "post navigation",
    "nav links",
    "navigation",
    "prev next",
    "next prev",
    "pagination next",
    "previous post",
    "next post",
    "jeg postblock",
    "also like",
    "you may like",
    "outbrain",
    "taboola",
    "mgid",
)

#: share bars and social follow boxes.
SHARE_TOKENS: tuple[str, ...] = (
    "share",
    "shares",
    "sharing",
    "sharedaddy",
    "sharethis",
    "addtoany",
    "a2a",
    "social",
    "socmed",
    "sosmed",
    "bagikan",
    "follow",
    "followus",
    "follow us",
    "whatsapp",
    "telegram",
)

#: comments and comment forms.
COMMENT_TOKENS: tuple[str, ...] = (
    "comment",
    "comments",
    "komentar",
    "respond",
    "comment respond",
    "reply",
    "disqus",
    "fb comments",
    "comment form",
    "commentform",
)

#: advertising slots.
AD_TOKENS: tuple[str, ...] = (
    "ads",
    "ad",
    "adsbygoogle",
    "advertisement",
    "advert",
    "adv",
    "iklan",
    "banner",
    "dfp",
    "gpt",
    "sponsor",
    "sponsored",
    "promo",
    "ad slot",
    "ad container",
    "parallax",
)

#: tags, topic chips, author boxes and other article furniture.
FURNITURE_TOKENS: tuple[str, ...] = (
    "tags",
    "tag",
    "tagcloud",
    "topik",
    "topic",
    "author box",
    "authorbox",
    "author bio",
    "about author",
    "penulis box",
    "breadcrumb",
    "breadcrumbs",
    "newsletter",
    "subscribe",
    "widget",
    "sidebar",
    "back top",
    "backtotop",
    "go top",
    "totop",
    "scroll top",
    "load more",
    "loadmore",
    "infinite",
    "print",
    "rating",
    "reaction",
    "reactions",
    "emoji",
    "polling",
    "video related",
    "google news",
    "gnews",
    "telegram channel",
)

#: embedded posts of social networks (the tweet's text and signature, the Instagram caption) and
#: embed wrappers: oEmbed markup as Twitter, Instagram, TikTok and Facebook hand it out, and
#: WordPress' embed blocks around it.
EMBED_TOKENS: tuple[str, ...] = (
    "twitter tweet",
    "twitter timeline",
    "instagram media",
    "tiktok embed",
    "fb post",
    "fb video",
    "embed",
    "embedly",
)

#: The groups by name; the name is also the rule family that a ``without=`` leaves out
#: (section 6), and pruning rules are reported as "class:<token>".
TOKEN_GROUPS: dict[str, tuple[str, ...]] = {
    "read-also": READ_ALSO_TOKENS,
    "related": RELATED_TOKENS,
    "share": SHARE_TOKENS,
    "comments": COMMENT_TOKENS,
    "ads": AD_TOKENS,
    "furniture": FURNITURE_TOKENS,
    "embeds": EMBED_TOKENS,
}

BOILERPLATE_TOKENS: tuple[str, ...] = tuple(token for tokens in TOKEN_GROUPS.values() for token in tokens)

#: The lead before the story's container: trafilatura takes the container it finds by class
#: ("article-content") and loses a lead paragraph standing just before it, after a share box
#: ("VIVA.co.id - Otoritas Thailand …"). Story paragraphs (a <p> with at least PROSE_MIN_CHARS
#: characters outside links) among the container's preceding siblings, with only pruned
#: widgets, media and empty elements between, at most LEAD_MAX_PARAGRAPHS of them, are moved
#: into it ("lead-before-body"); inside a widget of PROSE_FREE_GROUPS (which hold no prose of
#: their own: a "share-box-lead" wrapper) too.
PROSE_FREE_GROUPS: tuple[str, ...] = ("share",)
PROSE_MIN_CHARS = 100
LEAD_MAX_PARAGRAPHS = 2
#: Class/id tokens of media blocks, standfirsts and bylines before the story (the featured image
#: and its caption; a summary styled "lead"/"excerpt" that is not the story's first paragraph;
#: "post-meta" with the author and the date): passed over, never taken for the lead.
MEDIA_TOKENS: tuple[str, ...] = (
    "meta",
    "byline",
    "author",
    "penulis",
    "date",
    "tanggal",
    "lead",
    "teaser",
    "subtitle",
    "subjudul",
    "summary",
    "excerpt",
    "standfirst",
    "description",
    "deck",
    "intro",
    "sapo",
    "ringkasan",
    "caption",
    "figure",
    "image",
    "img",
    "photo",
    "foto",
    "gambar",
    "media",
    "thumbnail",
    "thumb",
    "gallery",
    "video",
)

# ---------------------------------------------------------------------------------------------
# 2. Protected containers: never pruned, whatever else their class says (WordPress puts
#    "tag-smart-city category-news comments-open" on the <article> itself), and no element
#    holding one of them is pruned either.
# ---------------------------------------------------------------------------------------------

#: tags never pruned.
PROTECTED_TAGS: tuple[str, ...] = ("html", "body", "main", "article")

#: class/id tokens of story bodies on common templates (WordPress, tagDiv, Jannah, JNews,
#: Tribun/Kompas/Detik-like portals). Tokens, as above.
BODY_TOKENS: tuple[str, ...] = (
    "entry content",
    "post content",
    "article content",
    "article body",
    "articlebody",
    "td post content",
    "story body",
    "content detail",
    "detail content",
    "detail text",
    "detail body",
    "read content",
    "txt article",
    "news content",
    "isi berita",
    "post body",
    "single content",
    "the content",
    "main content",
    "maincontent",
    "articlecontent",
    "article text",
    "post text",
    "itp content",
    "body text",
)

#: Inline tags are never pruned by class: a keyword link styled "tag" inside a story paragraph
#: is part of the sentence.
INLINE_TAGS: tuple[str, ...] = (
    "a",
    "span",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "abbr",
    "mark",
    "small",
    "sup",
    "sub",
    "img",
    "time",
)

#: Pruning never removes more than this share of the page's text in one element.
MAX_PRUNE_SHARE = 0.5

# ---------------------------------------------------------------------------------------------
# 3. Pre-extraction pruning: structural XPaths, for boilerplate that has no telling class.
#    ``{lower}`` is replaced by a lower-casing translate() of the node's normalised text.
# ---------------------------------------------------------------------------------------------

STRUCTURAL_XPATHS: tuple[tuple[str, str], ...] = (
    # forms (comment forms, newsletter sign-up, search boxes) and the labels around them
    ("forms", "//form"),
    # ads pushed by Google tags
    (
        "ad-markup",
        "//ins[contains(@class, 'adsbygoogle')] | //*[@data-ad-slot or @data-ad-client or @data-google-query-id]",
    ),
    # elements hidden from readers
    # (one pass over the page: a union of two paths walks it twice)
    (
        "hidden",
        "//*[@hidden or @aria-hidden='true'"
        " or @style[contains("
        "translate(., ' ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), 'display:none')]]"
        "[not(.//p)]",
    ),
)

#: "Read also" blocks without a telling class: <p><strong>Baca juga:</strong> <a>…</a></p>,
#: <div>BACA JUGA <a>…</a></div>. A block (one of READ_ALSO_BLOCKS) whose text starts with
#: READ_ALSO_START, that holds a link and is shorter than READ_ALSO_MAX characters.
READ_ALSO_START = (
    r"^\s*(?:baca|simak|lihat|tonton|cek|dengarkan)(?:\s+(?:juga|pula|berita|artikel))?\s*[:\-–—»>]"
    r"|^\s*(?:baca|simak|lihat|tonton)\s+(?:juga|pula)\b"
)
READ_ALSO_WORDS: tuple[str, ...] = ("baca", "simak", "lihat", "tonton", "cek ", "dengarkan")
READ_ALSO_BLOCKS: tuple[str, ...] = ("p", "div", "li", "h2", "h3", "h4", "h5", "blockquote", "section", "aside")
READ_ALSO_MAX = 300

#: Link menus without a telling class (old portal templates open with a menu of 100+ channel
#: links: "Home", "News", "Otomotif", "Bola", …, in a <td>, a bare <ul> or <a>s between <br>s).
#: An element at most MENU_DEPTH levels above its links, with at least MENU_MIN_LINKS links,
#: whose text is at least MENU_LINK_SHARE link text, MENU_MAX_WORDS words a link on average, is
#: pruned ("link-menu").
MENU_DEPTH = 3
MENU_MIN_LINKS = 10
MENU_LINK_SHARE = 0.9
MENU_MAX_WORDS = 3.0

#: Continuation of the story hidden until the reader scrolls or clicks ("Baca selengkapnya",
#: "halaman selanjutnya" shown in place): an element hidden by its style (display:none,
#: visibility:hidden), the ``hidden`` attribute, aria-hidden or one of HIDDEN_CLASSES, inside
#: the story's container or beside it, that holds a paragraph of at least PROSE_MIN_CHARS
#: characters, is shown to trafilatura ("reveal-hidden"; trafilatura drops hidden elements).
HIDDEN_CLASSES: tuple[str, ...] = ("hidden", "hide", "d-none", "is-hidden", "collapse", "invisible")
HIDDEN_STYLE = r"display\s*:\s*none|visibility\s*:\s*hidden"

#: Text for screen readers and crawlers only, never shown: a page summary there (the meta
#: description again) is not in the page's body.
UNSHOWN_CLASSES: tuple[str, ...] = ("sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text")

#: The meta description as a paragraph: a line equal to the page's description, above the
#: story, is dropped ("teaser") unless the page shows the description (the lead itself, or a
#: standfirst, is often the description).

# ---------------------------------------------------------------------------------------------
# 4. Post-extraction line rules. Each is (name, pattern); a text line that matches (with
#    ``fullmatch``, case-insensitive, after whitespace is normalised) is dropped.
#    Lines longer than MAX_RULE_LINE are never dropped by these: story paragraphs are long.
# ---------------------------------------------------------------------------------------------

MAX_RULE_LINE = 320

_SEP = r"\s*[:|\-–—»>]*\s*"
#: View counters: a count and its word ("1.471 Dibaca", "324 kali dilihat", "1,2K views") or the
#: word and its count ("Dibaca 1.471 kali", "Dibaca: 1.204 kali"). A line that is one is dropped
#: (LINE_RULES); a byline that carries one ("Redaksi-1.471 Dibaca") keeps only the name
#: (VIEW_COUNTER_IN_BYLINE, applied by ``metadata.clean_author``).
VIEW_COUNT = r"[\d.,]+\s*[kKrRbB]?\s*(?:kali\s+)?(?:dibaca|dilihat|views?|pembaca|x\s+dibaca|hits|reads?)"
VIEW_LABEL = r"(?:dibaca|dilihat|views?)\s*:?\s*[\d.,]+\s*(?:kali)?"
VIEW_COUNTER_IN_BYLINE = rf"\s*[-–—|·•]?\s*\b(?:{VIEW_COUNT}|{VIEW_LABEL})\b"

#: Editors' initials in parentheses: lower-case codes ("(mdk/rka)", "(kpl/pur/ums)") or Antara's
#: desk codes ("(T.A043/B/Z002/Z002)"); a line that is one is dropped, and one closing the last
#: line is cut from it (TRAILING_RULES). Case-sensitive: "(MC.Kab.Banyuasin/Eyv)" is a credit
#: the story prints.
EDITOR_INITIALS = (
    r"\((?-i:\s*[a-z]{2,5}(?:\s*/\s*[a-z0-9]{2,5}){1,4}\s*|(?:[A-Z]\.)?[A-Z]{1,3}\d{3}(?:/[A-Z]{1,3}\d{0,3}){1,4})\)"
)

#: names of social networks and share words, for share bars flattened into one line
SHARE_WORDS: tuple[str, ...] = (
    "share",
    "bagikan",
    "bagikan:",
    "facebook",
    "twitter",
    "x",
    "whatsapp",
    "wa",
    "telegram",
    "line",
    "linkedin",
    "pinterest",
    "email",
    "e-mail",
    "print",
    "cetak",
    "copy",
    "link",
    "salin",
    "tautan",
    "copy link",
    "salin tautan",
    "messenger",
    "tumblr",
    "reddit",
    "instagram",
    "tiktok",
    "youtube",
    "google",
    "news",
    "+",
    "share:",
    "tweet",
    "kirim",
)

LINE_RULES: tuple[tuple[str, str], ...] = (
    # "Baca juga: <judul>", "BACA JUGA  Judul", "Simak juga:", "Lihat Juga", "Tonton juga video…",
    # "Baca: <judul>" (Tribun) - a line that is only a pointer to another article.
    ("read-also", r"(?:baca|simak|lihat|tonton|cek|dengarkan|klik)\s+(?:juga|pula)\b.*"),
    # "Baca: …", "Baca Selanjutnya: …" (the next article of a series), "Baca Berita Lainnya »"
    (
        "read-colon",
        r"baca\s*(?:berita|artikel)?\s*(?:lainnya|selengkapnya|terkait|selanjutnya|berikutnya)?\s*[:»>\-–—]\s*\S.*",
    ),
    ("read-more", r"(?:baca|lihat|simak)\s+(?:selengkapnya|berita\s+lainnya|artikel\s+lainnya)\b.*"),
    # "BACA JUGA: Update Berita-Berita Politik Perspektif Republika.co.id, Klik di Sini"
    ("click-here", r".{0,200}\bklik\s+(?:di\s*)?sini\b.{0,40}"),
    # ad and scroll prompts
    (
        "advertisement",
        r"(?:advertisement|advertisements|advertising|iklan|ads|ad|sponsored|"
        r"konten\s+bersponsor|sponsored\s+content|\[?ads\]?|paid\s+content)",
    ),
    (
        "scroll-prompt",
        r"(?:scroll\s+(?:to|down\s+to)\s+continue(?:\s+with\s+content)?|"
        r"scroll\s+untuk\s+(?:melanjutkan|lanjut|membaca).*|gulir\s+(?:ke\s+bawah\s+)?untuk.*|"
        r"lanjutkan\s+membaca.*|continue\s+reading.*|lanjut\s+baca.*)",
    ),
    # comment forms (WordPress core, tagDiv, Jannah and Disqus strings, Indonesian and English)
    (
        "comment-form",
        r"(?:tinggalkan\s+(?:komentar|balasan|balasan\s+batalkan\s+balasan)|"
        r"leave\s+a\s+(?:reply|comment)|"
        r"silakan\s+masukkan\s+(?:komentar|nama|alamat\s+email|email)\b.*|"
        r"anda\s+telah\s+memasukkan\s+alamat\s+email\s+yang\s+salah.*|"
        r"alamat\s+email\s+anda\s+tidak\s+akan\s+(?:dipublikasikan|ditampilkan).*|"
        r"your\s+email\s+address\s+will\s+not\s+be\s+published.*|"
        r"simpan\s+nama(?:\s+saya)?,?\s+email.*|save\s+my\s+name,?\s+email.*|"
        r"(?:kirim|posting|post)\s+(?:komentar|comment)|batalkan\s+balasan|cancel\s+reply|"
        r"\d*\s*(?:komentar|comments?)|belum\s+ada\s+komentar.*|no\s+comments?(?:\s+yet)?\.?|"
        r"(?:komentar|comment|nama|name|email|situs\s+web|website)\s*\*?:?|"
        r"ruas\s+yang\s+wajib\s+ditandai\s*\*?|required\s+fields\s+are\s+marked\s*\*?|"
        r"log\s+in\s+to\s+leave\s+a\s+comment|login\s+untuk\s+(?:berkomentar|komentar))",
    ),
    # strings of news themes (tagDiv Newspaper ships "Artikulli paraprak/tjetër" on sites that
    # picked the Albanian locale by mistake; Jannah prints "Back to top button")
    (
        "theme-string",
        r"(?:artikulli\s+(?:paraprak|tjet[eë]r).*|artikel\s+(?:sebelumnya|selanjutnya|berikutnya)\b.*|"
        r"(?:previous|next)\s+(?:article|post)\b.*|back\s+to\s+top(?:\s+button)?|kembali\s+ke\s+atas|"
        r"no\s+more\s+posts?\s+available\.?|no\s+more\s+pages\s+to\s+load\.?|"
        r"load\s+more(?:\s+posts?)?|muat\s+lebih\s+banyak|tampilkan\s+lebih\s+banyak|"
        r"check\s+also|close|tutup|skip\s+to\s+content|loading\.{0,3}|memuat\.{0,3}|"
        r"photo|foto|image|gambar|video|play\s+video|photo\s*:\s*istimewa)",
    ),
    # view counters: "-1.576 Dibaca", "oleh -1.576 Dibaca", "324 kali dilihat", "1,2K views"
    ("view-counter", rf"(?:oleh\s*)?[-–—]?\s*{VIEW_COUNT}"),
    ("views-label", VIEW_LABEL),
    # syndication footers: "Artikel ini telah tayang di Sripoku.com dengan judul …"
    (
        "syndication",
        r"(?:artikel|berita|tulisan|konten)\s+ini\s+(?:telah\s+|sudah\s+|juga\s+)?"
        r"(?:tayang|terbit|dipublikasikan|diterbitkan|dimuat|ditayangkan|naik\s+(?:di|dengan))\b.*|"
        r"sumber\s+(?:artikel|berita)\s*:.*|this\s+article\s+(?:was\s+)?(?:first\s+)?"
        r"(?:appeared|published)\b.*",
    ),
    # promotions for channels and apps
    (
        "promotion",
        r"(?:dapatkan|dapatkan\s+juga)\s+(?:update|informasi|berita|info)\b.*|"
        r"(?:ikuti|follow)\s+(?:kami|juga|berita|update|kanal|channel|saluran|akun|us)\b.*"
        r"(?:google\s+news|whatsapp|telegram|instagram|twitter|facebook|tiktok|youtube|channel|saluran)\b.*|"
        r"(?:ikuti|follow)\s+(?:\S+\s+){0,3}(?:di|on|via)\s+google\s+news\b.*|"
        r"simak\s+(?:breaking\s+news|berita|update|video|informasi|info)\b.*|"
        r"(?:gabung|bergabung|join)\s+(?:\S+\s+){0,6}(?:telegram|whatsapp|grup|group|channel|saluran|komunitas)\b.*|"
        r"(?:download|unduh)\s+(?:aplikasi|app|apps)\b.*|"
        r"(?:yuk|ayo),?\s+(?:ikuti|gabung|follow|subscribe|baca)\b.*|"
        # sign-up calls closing a box ("Sosok Merdeka.com: … Daftarkan", "… Daftar sekarang!")
        r".{0,200}\b(?:daftarkan(?:\s+(?:diri(?:mu)?|anda|sekarang|segera))*|daftar\s+(?:sekarang|di\s*sini|disini))\s*[.!]*|"
        # newsletters
        r".{0,120}\b(?:berlangganan|langganan|subscribe|sign\s+up|daftar|dapatkan)\b.{0,100}\b(?:newsletter|nawala)\b.{0,120}|"
        r".{0,120}\b(?:newsletter|nawala)\b.{0,100}\b(?:berlangganan|langganan|subscribe|sign\s+up|daftar)\b.{0,120}|"
        # apps: "Unduh aplikasinya di Google Play", "Baca berita lebih cepat di aplikasi Kompas.com"
        r".{0,120}\b(?:unduh|download|install|instal|pasang)\b.{0,80}\b(?:google\s+play|play\s+store|app\s+store|appgallery)\b.{0,80}|"
        r"(?:baca|nikmati|akses)\b.{0,80}\bdi\s+aplikasi\b.{0,100}",
    ),
    # embedded posts that lost their markup or kept their text: "[Gambas:Video 20detik]",
    # WordPress shortcodes, a tweet's signature "— MoFA Indonesia (@Kemlu_RI) April 3, 2022",
    # "pic.twitter.com/…", Instagram's "Lihat postingan ini di Instagram" and "Sebuah kiriman
    # dibagikan oleh …"
    (
        "embed-marker",
        r"\[\s*gambas\s*:[^\]]{0,80}\]|\[/?(?:embed|caption|video|audio|tweet|instagram)\b[^\]]{0,200}\]",
    ),
    (
        "embed-text",
        r"[—–-]{1,2}\s*[^()]{1,80}\(@\w{1,30}\)\s*(?:\w+\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+\w+\.?\s+\d{4})?|"
        r"pic\.twitter\.com/\w+|"
        r"(?:lihat|view)\s+(?:postingan|foto|video|this\s+post|this\s+photo|this\s+video)\s+(?:ini\s+)?"
        r"(?:di|on)\s+instagram\.?|"
        r"(?:sebuah\s+kiriman|postingan|kiriman)\s+dibagikan\s+oleh\s+.{1,80}|a\s+post\s+shared\s+by\s+.{1,80}",
    ),
    # editor initials closing the text: "(mdk/rka)", "(wsw/wsw)", "(kpl/pur/ums)", Antara's
    # "(T.A043/B/Z002) 04-04-2012 09:15"
    ("editor-initials", rf"{EDITOR_INITIALS}(?:\s+\d{{2}}-\d{{2}}-\d{{4}}(?:\s+\d{{2}}:\d{{2}}(?::\d{{2}})?)?)?"),
    # separator lines: "-----", "* * *", "======" (not "___": AP's section breaks, part of the story)
    ("separator", r"[-–—=*~•·#+.]{3,}|(?:[-–—*•·]\s*){3,}"),
    # pagination: "Halaman 1 2 Selanjutnya", "Halaman selanjutnya", "1 2 3 Next", "Tampilkan semua"
    (
        "pagination",
        r"(?:halaman|page|hal\.?)\s*:?\s*(?:\d+\s*(?:dari|of|/)?\s*)+(?:selanjutnya|berikutnya|next|»|›|>+)?|"
        r"(?:halaman|page)\s+(?:selanjutnya|berikutnya|sebelumnya|next|previous|terakhir)\b.*|"
        r"(?:«|‹|<)?\s*(?:selanjutnya|berikutnya|sebelumnya|next|prev|previous)\s*(?:»|›|>+)?|"
        r"(?:\d+\s+){1,20}(?:selanjutnya|berikutnya|next|»|›)|"
        r"(?:tampilkan|lihat)\s+semua(?:\s+halaman)?|show\s+all|single\s+page|"
        r"(?:\d+\s*){2,20}",
    ),
    # tag and topic lines: "Tags: smart city, Muba", "Topik:"
    ("tags-line", r"(?:tags?|tagar|topik|topics?|kata\s+kunci|keywords?)\s*:.*"),
)

#: Cut from the end of the text's last line (``re.search``, case-insensitive): editors'
#: initials run into the closing sentence ("… kata dia. (mdk/rka)").
TRAILING_RULES: tuple[tuple[str, str], ...] = (("editor-initials", rf"\s*{EDITOR_INITIALS}\s*$"),)

#: Lines above the lead: before the first line of the story (a line that is not one of these),
#: a line that is only a date ("Senin, 04 April 2022, 09:15 WIB", "Diperbarui 4/4/2022 10:00")
#: is dropped ("date-line"), and so is a short label that is no sentence ("TRAVEL NEWS",
#: "MUDA DAN MENGINSPIRASI", "Penanganan Covid", a menu's "Home", "Bola"): at most
#: KICKER_MAX_WORDS words and KICKER_MAX_CHARS characters, no sentence end, not a numbered
#: item ("1. Nasi Goreng") ("kicker"). Both only when a story line follows.
DATE_LINE_WORDS: tuple[str, ...] = (
    "diperbarui",
    "diupdate",
    "update",
    "updated",
    "dipublikasikan",
    "diterbitkan",
    "terbit",
    "published",
    "posted",
    "pada",
    "on",
    "pukul",
    "jam",
)
KICKER_MAX_WORDS = 4
KICKER_MAX_CHARS = 40
NUMBERED_ITEM = r"^\(?\d{1,3}[.)]\s"

#: Credit lines: removed from the body, their name goes to ``author`` when none is known.
#: Patterns are matched (``fullmatch``, case-insensitive) against the whole line; named group
#: ``name`` is the person. Order matters: reporters before editors.
CREDIT_RULES: tuple[tuple[str, str], ...] = (
    # "Penulis: Rizky Pratama | Editor: Sari", "Reporter: A / Editor: B"
    (
        "credit-pair",
        r"(?:penulis|reporter|wartawan|pewarta|jurnalis|laporan|kontributor)\s*:\s*(?P<name>[^|/]+?)\s*[|/,]\s*"
        r"(?:editor|redaktur|penyunting|editing|posting)\s*:\s*[^|/]*",
    ),
    # "Laporan : Herwanto", "Penulis: …", "Reporter: …", "Pewarta: …", "Laporan wartawan Sripoku.com, Ahmad"
    (
        "credit-reporter",
        r"(?:penulis|reporter|wartawan|pewarta|jurnalis|laporan|kontributor|ditulis\s+oleh|author|written\s+by)"
        r"\s*:\s*(?P<name>.{2,80}?)",
    ),
    (
        "credit-laporan",
        r"laporan\s+(?:wartawan|reporter|jurnalis)\s+[\w.]+(?:\.com|\.co\.id|\.id)?\s*,\s*(?P<name>.{2,60}?)",
    ),
    # "Oleh: Rizky", "Oleh Rizky Pratama" (a short line of capitalised words only)
    ("credit-oleh", r"oleh\s*:\s*(?P<name>.{2,60}?)|oleh\s+(?P<name2>(?:(?-i:[A-Z])[\w.'’-]*\s*){1,5})"),
    # "Oleh MC Kabupaten Banyuasin, Selasa, 9 Mei 2017 | 06:17 WIB - Redaktur: … - 324": a byline
    # that carries the date (and maybe an editor and a view count) on one line
    (
        "credit-byline-date",
        r"(?:oleh|by)\s*:?\s*(?P<name>(?-i:[A-Z])[^,|]{1,60}?)\s*[,|]\s*.{0,40}\b(?:19|20)\d\d\b.{0,120}",
    ),
    # "Editor: Sari", "Redaktur: Eka", "Posting : Imam Ghazali", "Foto: …", "Sumber: …"
    (
        "credit-editor",
        r"(?:editor|redaktur|penyunting|editing|posting|diposting\s+oleh|publisher|uploader|"
        r"foto|fotografer|sumber|source|video|grafis|infografis)\s*:\s*(?P<edname>.{1,80}?)",
    ),
)

#: Section headings that start a block of other articles' titles ("Berita Lainnya",
#: "Berita Terkait", "Terpopuler", "Related Articles"). The heading is dropped, and so are the
#: headline-like lines after it (short, no sentence end) until a line that reads like prose.
SECTION_HEADINGS: str = (
    r"(?:(?:berita|artikel|info|video|foto)\s+(?:lainnya|lain|terkait|terkini|terbaru|populer|"
    r"terpopuler|pilihan|rekomendasi|menarik|sebelumnya|selanjutnya)|"
    r"(?:terpopuler|populer|terkini|terbaru|rekomendasi|trending|pilihan\s+editor|"
    r"rekomendasi\s+untuk\s+anda|most\s+popular|popular\s+posts|latest\s+news|more\s+stories|"
    r"related\s+(?:articles|posts|news|stories)|you\s+may\s+(?:also\s+)?like|baca\s+lainnya|"
    r"lihat\s+juga|baca\s+juga|simak\s+juga|artikel\s+menarik\s+lainnya|"
    r"(?:berita|artikel)\s+\w+\s+lainnya|editor'?s?\s+picks?))\s*:?"
)

#: The credit at the end of a caption ("… Foto: Pemkab Muba", "… - (Pemkab Muba)", "… Photo by X"),
#: removed before a caption is compared with body lines.
CAPTION_CREDIT = (
    r"\s*(?:[-–—|]\s*)?\(?\s*(?:foto|photo|dok|dokumentasi|sumber|source|image|ist|istimewa|credit|kredit)"
    r"\b\.?\s*(?:by|oleh)?\s*:?.*$|\s*[-–—]\s*\([^)]{1,60}\)\s*$"
)

#: A headline-like line in a related list: short, no sentence end.
HEADLINE_MAX = 160

# ---------------------------------------------------------------------------------------------
# 5. Dateline: "REPUBLIKA.CO.ID, SEKAYU - …", "MUARA ENIM– …", "Tangerang, InfoPublik - …",
#    "Musi Rawas, JS – …", "JAKARTA (ANTARA) - …". Outlet names are told apart from cities by
#    these marks.
# ---------------------------------------------------------------------------------------------

#: Outlet-looking parts of a dateline prefix (case-insensitive): domains, "(ANTARA)", brand words.
OUTLET_PATTERN = re.compile(
    r"\(.*\)|.*\.(?:com|co\.id|id|net|org|news|tv)\b.*|.*\bco\.?\s*id\b.*|"
    r".*\b(?:news|online|pos|post|times|antara|kompas|tribun|detik|republika|liputan6|okezone|sindonews|"
    r"jpnn|suara|inews|infopublik|kabar|warta|jurnal|media|berita|portal|redaksi)\b.*",
    re.I,
)
#: Camel-case brands ("InfoPublik", "detikNews") are outlets too (case-sensitive).
CAMEL_PATTERN = re.compile(r".*[a-z][A-Z].*")
#: The longest dateline prefix considered, in characters.
DATELINE_MAX = 60

# ---------------------------------------------------------------------------------------------
# 6. Rule families: every rule above belongs to one, by the name it reports (line rules by
#    their name, class tokens by their group in TOKEN_GROUPS, "class:<token>" in the logs).
#    ``extract(html, url, without={...})`` leaves families out; the extraction-rules benchmark
#    measures each one that way (bench/bench_extract_rules.py). The families that put text
#    back ("restore") say what they keep that would otherwise be lost.
# ---------------------------------------------------------------------------------------------

RULE_FAMILIES: dict[str, tuple[str, ...]] = {
    # leaks: what each family removes
    "read-also": ("read-also", "read-colon", "read-more", "click-here", "read-also-block"),
    "related": ("related-heading", "related-list"),
    "share": ("share-bar",),
    "comments": ("comment-form", "forms"),
    "ads": ("advertisement", "scroll-prompt", "ad-markup"),
    "furniture": ("theme-string", "view-counter", "views-label", "pagination", "tags-line"),
    "hidden": ("hidden",),
    "credits": (
        "credit-pair",
        "credit-reporter",
        "credit-laporan",
        "credit-oleh",
        "credit-byline-date",
        "credit-editor",
    ),
    "repeats": ("repeated-title", "repeated-caption"),
    "follow-ups": ("syndication", "promotion"),
    "nav-menu": ("link-menu",),
    "top-labels": ("date-line", "kicker", "separator"),
    "editor-initials": ("editor-initials",),
    "embeds": ("embed-marker", "embed-text"),
    "description": ("teaser",),
    # restores: what each family keeps
    "lead-before-body": ("lead-before-body",),
    "hidden-continuation": ("reveal-hidden",),
    "listicle-headings": ("body-heading",),
    "dateline-join": ("dateline-join",),
    # the author: a person before a company, credit lines outside the body (section 7)
    "bylines": ("company-author", "credit-line-author"),
}
for _group in TOKEN_GROUPS:
    RULE_FAMILIES.setdefault(_group, ())

#: Families that apply only to pages in these languages. Embedded posts: on Indonesian outlets
#: the tweet or Instagram caption beside the story is a leak (issue 21's pages); English news
#: quotes tweets as part of the story (the AEB gold keeps them, signature line included).
FAMILY_LANGUAGES: dict[str, tuple[str, ...]] = {"embeds": ("id", "ms")}

#: The family of each rule name.
FAMILY_OF: dict[str, str] = {rule: family for family, rules in RULE_FAMILIES.items() for rule in rules}

#: Families that put text back rather than take it out.
RESTORING_FAMILIES: tuple[str, ...] = (
    "lead-before-body",
    "hidden-continuation",
    "listicle-headings",
    "dateline-join",
    "bylines",
)

# ---------------------------------------------------------------------------------------------
# 7. Authors: a byline names a person; a company ("Kompas Cyber Media", "PT Viva Media Baru",
#    "Detik Network") is taken only when no person is named anywhere on the page.
# ---------------------------------------------------------------------------------------------

#: A credit line anywhere on the page (above the story, outside what trafilatura extracts:
#: InfoPublik's "Oleh MC Kabupaten Lahat, Kamis, 29 Februari 2024 | 12:40 WIB - Redaktur: …" in
#: a "post-meta" block) names the author when the body and the byline elements do not: a short
#: element (at most CREDIT_LINE_MAX characters, no block inside) starting with one of these
#: words and matching a CREDIT_RULES pattern ("credit-line-author").
CREDIT_LINE_START = (
    r"(?:oleh|by|penulis|reporter|wartawan|pewarta|jurnalis|laporan|kontributor|ditulis\s+oleh|author|written\s+by)\b"
)
CREDIT_LINE_MAX = 160

COMPANY_AUTHOR = re.compile(
    r".*\b(?:PT|Tbk|Cyber\s+Media|Media\s+Group|Media\s+Baru|Network|Corp(?:oration)?|Inc|Ltd|Group|"
    r"Digital\s+Media|Multimedia)\b.*|.*\.(?:com|co\.id|id|net)\b.*",
    re.I,
)
