import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import AppHeader from './AppHeader.vue';

describe('AppHeader', () => {
  it('shows the app name, the user and their realm roles', () => {
    const wrapper = mount(AppHeader, { props: { userName: 'Alice', roles: ['user', 'admin'] } });
    expect(wrapper.find('.brand').text()).toBe('Cloud Native Starter');
    expect(wrapper.find('[data-testid="user-name"]').text()).toBe('Alice');
    expect(wrapper.findAll('.role').map((role) => role.text())).toEqual(['user', 'admin']);
  });

  it('says so when the user has no realm role', () => {
    const wrapper = mount(AppHeader, { props: { userName: 'guest', roles: [] } });
    expect(wrapper.find('[data-testid="user-roles"]').text()).toBe('no realm roles');
  });

  it('asks to log out when the button is pressed', async () => {
    const wrapper = mount(AppHeader, { props: { userName: 'Alice', roles: [] } });
    await wrapper.find('button').trigger('click');
    expect(wrapper.emitted('logout')).toHaveLength(1);
  });
});
