import type { WebApiArticle } from '@cns/articles-contract';
import { mount, type DOMWrapper } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import ArticlesTable from './ArticlesTable.vue';

const harald: WebApiArticle = {
  id: '1',
  title: 'Blue Cloud Mirror — (Don’t) Open The Doors!',
  url: 'https://haralduebele.github.io/2019/02/17/blue-cloud-mirror-dont-open-the-doors/',
  authorName: 'Harald Uebele',
  authorTwitter: 'harald_u',
  authorBlog: 'https://haralduebele.github.io',
};
const unknownAuthor: WebApiArticle = {
  id: '2',
  title: 'Recent Java Updates from IBM',
  url: 'http://heidloff.net/article/recent-java-updates-from-ibm',
  authorName: 'Someone Else',
  authorTwitter: '',
  authorBlog: '',
};

const cells = (wrapper: { findAll: (selector: string) => DOMWrapper<Element>[] }, row: number) =>
  wrapper.findAll('tbody tr')[row]?.findAll('td') ?? [];

describe('ArticlesTable', () => {
  it('shows one row per article under the four column headings', () => {
    const wrapper = mount(ArticlesTable, { props: { articles: [harald, unknownAuthor] } });
    expect(wrapper.findAll('th').map((th) => th.text())).toEqual([
      'Title',
      'Author',
      'Twitter',
      'Blog',
    ]);
    expect(wrapper.findAll('tbody tr')).toHaveLength(2);
    expect(wrapper.find('caption').text()).toBe('2 articles from web-api');
  });

  it('links the title to the article and the author to Twitter and the blog', () => {
    const wrapper = mount(ArticlesTable, { props: { articles: [harald] } });
    const [title, author, twitter, blog] = cells(wrapper, 0);
    expect(title?.find('a').text()).toBe(harald.title);
    expect(title?.find('a').attributes('href')).toBe(harald.url);
    expect(author?.text()).toBe('Harald Uebele');
    expect(twitter?.find('a').text()).toBe('@harald_u');
    expect(twitter?.find('a').attributes('href')).toBe('https://twitter.com/harald_u');
    expect(blog?.find('a').text()).toBe('haralduebele.github.io');
    expect(blog?.find('a').attributes('href')).toBe('https://haralduebele.github.io');
  });

  it('opens links in a new tab without handing it the opener', () => {
    const wrapper = mount(ArticlesTable, { props: { articles: [harald] } });
    for (const link of wrapper.findAll('a')) {
      expect(link.attributes('target')).toBe('_blank');
      expect(link.attributes('rel')).toBe('noopener noreferrer');
    }
  });

  it('says "none" where an author has no Twitter handle or blog', () => {
    const wrapper = mount(ArticlesTable, { props: { articles: [unknownAuthor] } });
    const [, author, twitter, blog] = cells(wrapper, 0);
    expect(author?.text()).toBe('Someone Else');
    expect(twitter?.text()).toBe('none');
    expect(blog?.text()).toBe('none');
    expect(twitter?.find('a').exists()).toBe(false);
  });

  it('links only web addresses: a javascript: or data: URL from the API stays text', () => {
    const hostile = {
      ...harald,
      url: 'javascript:alert(document.domain)',
      authorBlog: 'data:text/html,<script>alert(1)</script>',
    };
    const wrapper = mount(ArticlesTable, { props: { articles: [hostile] } });
    const [title, , , blog] = cells(wrapper, 0);
    expect(title?.text()).toBe(harald.title);
    expect(title?.find('a').exists()).toBe(false);
    expect(blog?.find('a').exists()).toBe(false);
    expect(wrapper.html()).not.toContain('javascript:');
  });

  it('labels every cell for the stacked layout on phones', () => {
    const wrapper = mount(ArticlesTable, { props: { articles: [harald] } });
    expect(cells(wrapper, 0).map((td) => td.attributes('data-label'))).toEqual([
      'Title',
      'Author',
      'Twitter',
      'Blog',
    ]);
  });
});
