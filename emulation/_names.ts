/** Word pools for generated names, including every kind of awkward character. */

export const CHINESE_WORDS = [
  "夜空",
  "星河",
  "海风",
  "雨季",
  "光年",
  "旧梦",
  "城南",
  "心跳",
  "花火",
  "月光",
  "远方",
  "白昼",
  "晚霞",
  "蓝色",
  "春天",
  "秋叶",
  "青春",
  "回忆",
  "故乡",
  "时光",
  "少年",
  "飞鸟",
  "山海",
  "烟火",
];

export const LATIN_WORDS = [
  "Love",
  "Night",
  "Summer",
  "Blue",
  "Dream",
  "Echo",
  "River",
  "Fire",
  "Heart",
  "City",
  "Star",
  "Rain",
  "Shadow",
  "Light",
  "Ocean",
  "Golden",
  "Wild",
  "Silent",
  "Neon",
  "Paper",
];

export const OTHER_SCRIPT_WORDS = [
  "さくら",
  "ありがとう",
  "사랑",
  "하늘",
  "Ça va",
  "Über",
  "Niño",
  "Смех",
];

/**
 * Fragments that break naive file naming, path handling, splitting or
 * matching: separators, traversal, reserved device names, control and
 * zero-width characters, combining marks, full-width forms, right-to-left
 * scripts, emoji sequences, quotes, HTML entities and very long runs.
 */
export const AWKWARD_FRAGMENTS = [
  "AC/DC",
  "back\\slash",
  "..",
  "../../etc/passwd",
  "CON",
  "nul",
  "COM1.txt",
  "  leading space",
  "trailing space  ",
  "tab\there",
  "new\nline",
  "bell\u0007",
  "zero\u200bwidth",
  "ｆｕｌｌｗｉｄｔｈ",
  "Cafe\u0301",
  "🎵🎶",
  "👩‍👩‍👧 family",
  "עברית",
  "العربية",
  '"quoted"',
  "it's",
  "<tag>",
  "a|b",
  "what?",
  "star*",
  "colon: yes",
  "Tom &amp; Jerry",
  "100%",
  "#hash",
  ".hidden",
  "ends with dot.",
  "dot..dot",
  "feat. Guest",
  "伴奏 (Live)",
  "x".repeat(260),
  "長".repeat(120),
];

/** Category names of the square, with the group each belongs to. */
export const CATEGORIES: ReadonlyArray<readonly [group: string, name: string]> =
  [
    ["语种", "华语"],
    ["风格", "流行"],
    ["风格", "摇滚"],
    ["风格", "民谣"],
    ["风格", "电子"],
    ["风格", "说唱"],
    ["风格", "古典"],
    ["风格", "爵士"],
    ["风格", "轻音乐"],
    ["主题", "影视原声"],
    ["语种", "欧美"],
    ["语种", "日语"],
    ["语种", "韩语"],
    ["语种", "粤语"],
    ["情感", "怀旧"],
    ["场景", "学习"],
    ["场景", "运动"],
    ["场景", "夜晚"],
    ["情感", "伤感"],
    ["情感", "治愈"],
    ["主题", "ACG"],
    ["主题", "游戏"],
    ["场景", "旅行"],
    ["情感", "浪漫"],
  ];

/** Chart names. */
export const CHARTS = [
  "飙升榜",
  "新歌榜",
  "热歌榜",
  "原创榜",
  "说唱榜",
  "古典榜",
  "电音榜",
  "韩语榜",
  "Billboard Hot 100",
  "UK Singles",
  "Oricon",
  "KTV唛榜",
  "抖音热歌榜",
  "经典怀旧榜",
  "欧美榜",
  "日本榜",
];

export const SURNAMES = [
  "林",
  "周",
  "陈",
  "王",
  "张",
  "李",
  "刘",
  "许",
  "邓",
  "孙",
  "吴",
  "郑",
  "梁",
  "蔡",
  "萧",
  "薛",
];

export const GIVEN = [
  "俊",
  "杰",
  "伦",
  "嵩",
  "燕",
  "姿",
  "紫",
  "棋",
  "谦",
  "依",
  "琳",
  "奕",
  "迅",
  "宇",
  "春",
  "敏",
  "华",
  "强",
  "磊",
  "菲",
];

export const LATIN_FIRST = [
  "Billie",
  "Taylor",
  "Kendrick",
  "Adele",
  "Bruno",
  "Lana",
  "Frank",
  "Olivia",
  "Harry",
  "Dua",
];

export const LATIN_LAST = [
  "Rivers",
  "Stone",
  "Moon",
  "Lake",
  "Grey",
  "Snow",
  "Bell",
  "Fox",
  "Wolfe",
  "Hart",
];

/**
 * Decorations for artist names: awkward for files and matching but free of
 * the separators platforms join credits with (`/ & 、 , ;`).
 */
export const ARTIST_DECORATIONS = [
  "",
  "",
  "",
  "",
  " (乐队)",
  " ✦",
  " Ⅱ",
  " Jr.",
  "\u200b",
  " 🎸",
  "Ö",
  " .",
];

/**
 * Name-only credits: the same person spelt with different case and width,
 * so matching must normalize.
 */
export const NAME_ONLY_CREDITS = [
  "DJ Mika",
  "dj mika",
  "ＤＪ Ｍｉｋａ",
  "  DJ   Mika ",
  "合唱团",
  "Studio Strings",
  "STUDIO STRINGS",
  "佚名",
];
