/**
 * Word pools for generated names, including every kind of awkward
 * character, and the titles and artist names made of them.
 *
 * @module
 */
import { hash32, unit } from "./_hash.ts";

const CHINESE_WORDS = [
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

const LATIN_WORDS = [
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

const OTHER_SCRIPT_WORDS = [
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
const AWKWARD_FRAGMENTS = [
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

const SURNAMES = [
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

const GIVEN = [
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

const LATIN_FIRST = [
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

const LATIN_LAST = [
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
const ARTIST_DECORATIONS = [
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

/** A title or playlist name: Chinese, Latin or other scripts, sometimes with an awkward fragment. */
export function title(
  seed: number,
  salt: number,
  index: number,
  awkwardPercent: number,
): string {
  const h = hash32(seed, salt, index);
  const style = h % 4;
  const pick = <T>(list: readonly T[], k: number) =>
    list[hash32(seed, salt, index, k) % list.length]!;
  let base: string;
  if (style === 0) base = pick(CHINESE_WORDS, 1) + pick(CHINESE_WORDS, 2);
  else if (style === 1) {
    base = `${pick(LATIN_WORDS, 1)} ${pick(LATIN_WORDS, 2)}`;
  } else if (style === 2) {
    base = `${pick(CHINESE_WORDS, 1)} ${pick(LATIN_WORDS, 2)}`;
  } else base = `${pick(OTHER_SCRIPT_WORDS, 1)} ${pick(LATIN_WORDS, 2)}`;
  base += ` ${index + 1}`;
  if (unit(seed, salt, index, 9) * 100 < awkwardPercent) {
    const fragment = pick(AWKWARD_FRAGMENTS, 3);
    base = unit(seed, salt, index, 10) < 0.5
      ? `${fragment} ${base}`
      : `${base} ${fragment}`;
  }
  return base;
}

/** The name of the artist at `index`: Chinese or Latin, unique, sometimes decorated. */
export function artistName(seed: number, index: number): string {
  const decoration =
    ARTIST_DECORATIONS[hash32(seed, 16, index) % ARTIST_DECORATIONS.length]!;
  if (index % 3 === 2) {
    const first = LATIN_FIRST[index % LATIN_FIRST.length]!;
    const last =
      LATIN_LAST[Math.floor(index / LATIN_FIRST.length) % LATIN_LAST.length]!;
    const round = Math.floor(index / (LATIN_FIRST.length * LATIN_LAST.length));
    return `${first} ${last}${
      round > 0 ? ` ${toRoman(round + 1)}` : ""
    }${decoration}`;
  }
  const surname = SURNAMES[index % SURNAMES.length]!;
  const g1 = GIVEN[Math.floor(index / SURNAMES.length) % GIVEN.length]!;
  const g2 = GIVEN[
    Math.floor(index / (SURNAMES.length * GIVEN.length)) % GIVEN.length
  ]!;
  const round = Math.floor(
    index / (SURNAMES.length * GIVEN.length * GIVEN.length),
  );
  return `${surname}${g1}${g2}${round > 0 ? round + 1 : ""}${decoration}`;
}

function toRoman(n: number): string {
  const table: Array<[number, string]> = [
    [1000, "M"],
    [900, "CM"],
    [500, "D"],
    [400, "CD"],
    [100, "C"],
    [90, "XC"],
    [50, "L"],
    [40, "XL"],
    [10, "X"],
    [9, "IX"],
    [5, "V"],
    [4, "IV"],
    [1, "I"],
  ];
  let out = "";
  for (const [value, digits] of table) {
    while (n >= value) {
      out += digits;
      n -= value;
    }
  }
  return out;
}
