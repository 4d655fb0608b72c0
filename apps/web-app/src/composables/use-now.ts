import { onMounted, onUnmounted, ref, type Ref } from 'vue';

/** The current time in seconds since the epoch, updated every second while the component lives. */
export function useNow(): Readonly<Ref<number>> {
  const now = ref(Date.now() / 1000);
  let timer: ReturnType<typeof setInterval> | undefined;
  onMounted(() => {
    timer = setInterval(() => (now.value = Date.now() / 1000), 1000);
  });
  onUnmounted(() => clearInterval(timer));
  return now;
}
