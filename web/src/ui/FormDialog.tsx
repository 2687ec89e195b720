// A form in a dialog over the page: the focus moves into it and stays there, Escape closes it,
// its title names it for screen readers.
import type { ReactNode } from 'react';
import { Dialog, Heading, Modal, ModalOverlay } from 'react-aria-components';

export function FormDialog({ title, isOpen, onClose, children, testId }: {
  title: string;
  isOpen: boolean;
  onClose: () => void;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <ModalOverlay isOpen={isOpen} onOpenChange={(open) => !open && onClose()} isDismissable className="modal-overlay">
      <Modal className="modal">
        <Dialog className="dialog" data-testid={testId}>
          <Heading slot="title">{title}</Heading>
          {children}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
