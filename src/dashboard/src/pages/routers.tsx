import { useI18n } from '../i18n.tsx';
import { Page } from '../ui.tsx';

export function Routers() {
  const { t } = useI18n();
  return <Page title={t('Routers')}><p className="muted">{t('Loading')}</p></Page>;
}
